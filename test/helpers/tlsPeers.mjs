// A TLS server and client in one process (run inside a network namespace by the tests):
// the client sends HTTP/1.1 requests written by hand, the server answers each with a
// response written by hand, over one connection; both sides' bytes and the client's key
// log (Node's `keylog` event, the NSS format) are written to files.
// usage: node tlsPeers.mjs OUTDIR HOST PORT VERSION CIPHER CERT KEY SERVERNAME
import { connect, createServer } from 'node:tls';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [outDir, host, port, version, cipher, certFile, keyFile, serverName] = process.argv.slice(2);
// TLS_PEERS_BIG_BYTES makes the second response larger (for timing decryption).
const big = 'x'.repeat(Number(process.env.TLS_PEERS_BIG_BYTES ?? 40_000));
const body = (head, b) => `${head}Content-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`;
const exchanges = [
  [body(`POST /v2.1/servers HTTP/1.1\r\nHost: ${serverName}\r\nContent-Type: application/json\r\n`, '{"server": {"name": "tls-probe-1"}}'),
   body('HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n', '{"ok": true}')],
  [`GET /v2.1/servers/abc HTTP/1.1\r\nHost: ${serverName}\r\n\r\n`, body('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n', big)],
  [`GET /v2.1/flavors HTTP/1.1\r\nHost: ${serverName}\r\n\r\n`, body('HTTP/1.1 200 OK\r\n', '[]')],
];
const keylog = join(outDir, 'keylog.txt');
writeFileSync(keylog, '');
const sent = { client: '', server: '' };

const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile), minVersion: version, maxVersion: version, ciphers: cipher }, (s) => {
  let got = '', i = 0;
  s.on('data', (d) => {
    got += d.toString('latin1');
    while (i < exchanges.length && got.length >= exchanges[i][0].length) {
      got = got.slice(exchanges[i][0].length);
      s.write(exchanges[i][1]);
      sent.server += exchanges[i][1];
      i++;
    }
    if (i === exchanges.length) s.end();
  });
});
server.listen(Number(port), host, () => {
  const c = connect({ host, port: Number(port), servername: serverName, rejectUnauthorized: false, minVersion: version, maxVersion: version, ciphers: cipher });
  c.on('keylog', (line) => appendFileSync(keylog, line));
  let got = '', i = 0;
  const send = () => {
    c.write(exchanges[i][0]);
    sent.client += exchanges[i][0];
  };
  c.on('secureConnect', () => {
    writeFileSync(join(outDir, 'negotiated.json'), JSON.stringify({ protocol: c.getProtocol(), cipher: c.getCipher().standardName }));
    send();
  });
  c.on('data', (d) => {
    got += d.toString('latin1');
    if (got.length >= exchanges[i][1].length) {
      got = got.slice(exchanges[i][1].length);
      if (++i < exchanges.length) send();
    }
  });
  c.on('end', () => {
    writeFileSync(join(outDir, 'sent.json'), JSON.stringify(sent));
    c.end();
    server.close();
  });
});
