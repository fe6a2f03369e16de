/**
 * A Nomad API message needs Nomad evidence (the API port, or a Nomad header on the request
 * or the reply), not only a path under /v1/: a browser's `GET /v1/...` to a web server is
 * no Nomad message. Captures built with the test helpers; `listMessages` is what
 * `vim-analyse messages` prints.
 */
import { describe, expect, it } from 'vitest';
import { listMessages } from '../../src/pipeline/analyse.js';
import { TcpConversation } from '../helpers/tcpConversation.js';
import { pcapOf } from '../helpers/netEvents.js';
import { tempFile } from '../helpers/captureRecords.js';

/** One HTTP/1.1 exchange on a fresh connection to `port`. */
function capture(name: string, port: number, requestHeaders: string, responseHeaders: string): string {
  const c = new TcpConversation({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', port] });
  const body = '{"ID":"web"}';
  const segs = [
    ...c.handshake(),
    c.send(0, `GET /v1/jobs HTTP/1.1\r\nHost: x\r\n${requestHeaders}\r\n`),
    c.send(1, `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${responseHeaders}Content-Length: ${body.length}\r\n\r\n${body}`),
    c.fin(0), c.fin(1),
  ];
  return tempFile(name, pcapOf(segs.map((s) => c.frame(s))));
}

describe('Nomad HTTP evidence', () => {
  it('does not call a GET /v1/... to port 80 without Nomad headers a Nomad message', async () => {
    expect(await listMessages(capture('web-v1.pcap', 80, '', ''))).toEqual([]);
  });

  it('takes the API port, or a Nomad header on either side, as evidence', async () => {
    const cases = [
      capture('nomad-port.pcap', 4646, '', ''),
      capture('nomad-index.pcap', 80, '', 'X-Nomad-Index: 12\r\n'),
      capture('nomad-token.pcap', 8080, 'X-Nomad-Token: 00000000-0000-0000-0000-000000000000\r\n', ''),
    ];
    for (const file of cases) {
      const messages = await listMessages(file);
      expect(messages.map((m) => [m.vim, m.type, m.name])).toEqual([['nomad', 'http', 'GET /v1/jobs']]);
      expect(JSON.stringify(messages)).not.toContain('00000000-0000-0000-0000-000000000000');
    }
  });

  it('takes a configured API port as evidence (nomadApiPorts)', async () => {
    const file = capture('nomad-elsewhere.pcap', 8646, '', '');
    expect(await listMessages(file)).toEqual([]);
    expect((await listMessages(file, { nomadApiPorts: [8646] })).map((m) => m.name)).toEqual(['GET /v1/jobs']);
  });
});
