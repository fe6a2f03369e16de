/**
 * A Nomad API message needs Nomad evidence (the API port, a Nomad header on the request
 * or the reply, or a reply of Nomad's shape), not only a path under /v1/: a browser's `GET /v1/...` to a web server is
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
    c.send(
      1,
      `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${responseHeaders}Content-Length: ${body.length}\r\n\r\n${body}`,
    ),
    c.fin(0),
    c.fin(1),
  ];
  return tempFile(name, pcapOf(segs.map((s) => c.frame(s))));
}

/** Exchanges in turn on one connection to `port`: [request line, response content type, response body]. */
function exchanges(name: string, port: number, list: [string, string, string][]): string {
  const c = new TcpConversation({ client: ['10.0.0.1', 40001], server: ['10.0.0.2', port] });
  const segs = [...c.handshake()];
  for (const [requestLine, type, body] of list) {
    const reqBody = requestLine.startsWith('PUT') ? '{"Job":{"ID":"web"}}' : '';
    segs.push(c.send(0, `${requestLine} HTTP/1.1\r\nHost: x\r\nContent-Length: ${reqBody.length}\r\n\r\n${reqBody}`));
    segs.push(c.send(1, `HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
  }
  segs.push(c.fin(0), c.fin(1));
  return tempFile(name, pcapOf(segs.map((s) => c.frame(s))));
}

const evalId = '5f1e2d3c-0000-4000-8000-00000000abcd';
const registered = `{"EvalID":"${evalId}","EvalCreateIndex":31,"JobModifyIndex":31,"Warnings":"","Index":31,"LastContact":0,"KnownLeader":false}`;

describe('Nomad HTTP evidence', () => {
  it("takes a reply of Nomad's shape as evidence on any port, for that exchange and the connection's later ones", async () => {
    const file = exchanges('nomad-shape.pcap', 8646, [
      ['PUT /v1/jobs', 'application/json', registered],
      ['GET /v1/jobs', 'application/json', '[]'],
    ]);
    const messages = await listMessages(file);
    expect(messages.map((m) => [m.vim, m.name])).toEqual([
      ['nomad', 'PUT /v1/jobs'],
      ['nomad', 'GET /v1/jobs'],
    ]);
    expect(messages[0].ids).toMatchObject({ job: 'web', eval: evalId });
  });

  it("does not take HTML, or JSON with one of Nomad's field names, for Nomad's shape", async () => {
    const html = '<!doctype html><html><head><title>Index</title></head><body>EvalID JobModifyIndex</body></html>';
    const web = exchanges('web-html.pcap', 80, [
      ['GET /v1/jobs', 'text/html', html],
      ['PUT /v1/jobs', 'text/html', html],
      ['GET /v1/allocations', 'text/html', html],
    ]);
    expect(await listMessages(web)).toEqual([]);
    const oneField = exchanges('web-index.pcap', 80, [
      ['PUT /v1/jobs', 'application/json', '{"Index":3,"name":"web"}'],
    ]);
    expect(await listMessages(oneField)).toEqual([]);
  });

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
