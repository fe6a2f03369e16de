// Behind a TLS-terminating reverse proxy (the tests run Debian's haproxy): a plain HTTP
// backend answering fixed responses, and a TLS client that sends hand-written HTTP/1.1
// requests to the proxy's VIP one after the other on one connection, logging its keys.
// usage: node proxiedPeers.mjs OUTDIR BACKEND_IP PORT VIP VIP_PORT VERSION COUNT CLIENT_IP
import { createServer } from 'node:http';
import { connect } from 'node:tls';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [outDir, backendIp, port, vip, vipPort, version, count, clientIp] = process.argv.slice(2);
const n = Number(count);
const keylog = join(outDir, 'keylog.txt');
writeFileSync(keylog, '');
const routes = [
  ['POST', '/v2.1/servers', '{"server": {"name": "via-haproxy"}}', 202, '{"server": {"id": "5c1b5e3a-0000-4000-8000-000000000001"}}'],
  ['GET', '/v2.1/servers/5c1b5e3a-0000-4000-8000-000000000001', '', 200, '{"server": {"status": "BUILD"}}'],
  ['GET', '/v2.1/flavors', '', 200, '{"flavors": []}'],
];
const request = (i) => {
  const [method, path, body] = routes[i % routes.length];
  return `${method} ${path} HTTP/1.1\r\nHost: nova.example:${vipPort}\r\n${body ? `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` : ''}\r\n${body}`;
};

const backend = createServer((req, res) => {
  const route = routes.find((r) => r[0] === req.method && r[1] === req.url);
  req.resume();
  req.on('end', () => {
    // A little work at the backend, so that the legs' times differ from the proxy's own.
    setTimeout(() => {
      const body = route ? route[4] : '{}';
      res.writeHead(route ? route[3] : 404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    }, 3);
  });
});
backend.keepAliveTimeout = 30_000;
backend.listen(Number(port), backendIp, () => {
  const c = connect({ host: vip, port: Number(vipPort), localAddress: clientIp, servername: 'nova.example', rejectUnauthorized: false, minVersion: version, maxVersion: version });
  c.on('keylog', (line) => appendFileSync(keylog, line));
  let got = '', i = 0;
  c.on('secureConnect', () => c.write(request(0)));
  c.on('data', (d) => {
    got += d.toString('latin1');
    // Each response carries Content-Length; one is complete when its body is all here.
    const head = got.indexOf('\r\n\r\n');
    const len = /content-length: *(\d+)/i.exec(got.slice(0, head));
    if (head < 0 || !len || got.length < head + 4 + Number(len[1])) return;
    got = got.slice(head + 4 + Number(len[1]));
    if (++i < n) setTimeout(() => c.write(request(i)), 5);
    else {
      c.end();
      backend.close();
      backend.closeAllConnections?.();
      writeFileSync(join(outDir, 'done.json'), JSON.stringify({ requests: n }));
    }
  });
});
