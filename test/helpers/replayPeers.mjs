// Replays recorded HTTP exchanges through a TLS-terminating proxy: a plain backend that
// answers the i-th request with the i-th recorded response after the recorded server
// delay, and a TLS client that sends each recorded request at its recorded offset from
// the first, on one connection, logging its keys (NSS format).
// usage: node replayPeers.mjs OUTDIR EXCHANGES.json BACKEND_IP PORT VIP VIP_PORT CLIENT_IP
import { createServer } from 'node:net';
import { connect } from 'node:tls';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const [outDir, exchangesFile, backendIp, port, vip, vipPort, clientIp] = process.argv.slice(2);
const exchanges = JSON.parse(readFileSync(exchangesFile, 'utf8')).map((e) => ({ ...e, request: Buffer.from(e.request, 'base64'), response: Buffer.from(e.response, 'base64') }));
const keylog = join(outDir, 'keylog.txt');
writeFileSync(keylog, '');

// The backend reads requests by their recorded lengths: the proxy forwards the bytes with
// its own headers added, so it waits for the end of each head and the recorded body length.
const backend = createServer((s) => {
  let got = Buffer.alloc(0), i = 0;
  s.on('data', (d) => {
    got = Buffer.concat([got, d]);
    for (;;) {
      const head = got.indexOf('\r\n\r\n');
      if (head < 0 || i >= exchanges.length) return;
      const need = head + 4 + exchanges[i].requestBodyLength;
      if (got.length < need) return;
      got = got.subarray(need);
      const e = exchanges[i++];
      setTimeout(() => s.write(e.response), e.serverDelayMs);
    }
  });
  s.on('error', () => {});
});
backend.listen(Number(port), backendIp, () => {
  const c = connect({ host: vip, port: Number(vipPort), localAddress: clientIp, servername: 'nova.example', rejectUnauthorized: false });
  c.on('keylog', (line) => appendFileSync(keylog, line));
  let start = 0, got = '', i = 0;
  const send = () => {
    const wait = start + exchanges[i].atMs - performance.now();
    setTimeout(() => c.write(exchanges[i].request), Math.max(0, wait));
  };
  c.on('secureConnect', () => {
    start = performance.now();
    send();
  });
  c.on('data', (d) => {
    got += d.toString('latin1');
    // The proxy may rewrite response heads (header case): a response ends where its
    // Content-Length says.
    const head = got.indexOf('\r\n\r\n');
    const len = /content-length: *(\d+)/i.exec(got.slice(0, Math.max(0, head)));
    if (head < 0 || !len || got.length < head + 4 + Number(len[1])) return;
    got = got.slice(head + 4 + Number(len[1]));
    if (++i < exchanges.length) return send();
    c.end();
    backend.close();
    writeFileSync(join(outDir, 'done.json'), JSON.stringify({ exchanges: i }));
    setTimeout(() => process.exit(0), 200);
  });
});
