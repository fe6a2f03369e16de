import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { headerValue } from '../../../src/protocols/http/headers.js';
import { end, everySplit, gap, req, res, run, splitAt, summarise, type Step } from './harness.js';

const GET = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
const OK = (body: string, extra = '') => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

describe('HttpConnectionParser: framing', () => {
  it('pairs pipelined requests with responses in order', () => {
    const r = run([
      req(GET('/a') + GET('/b') + 'POST /c HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz'),
      res(OK('A') + OK('BB')),
      res(OK('CCC')),
    ]);
    expect(r.exchanges.map(summarise)).toEqual([
      { req: 'GET /a', status: 200, resBody: 'A' },
      { req: 'GET /b', status: 200, resBody: 'BB' },
      { req: 'POST /c', reqBody: 'xyz', status: 200, resBody: 'CCC' },
    ]);
    expect(r.counters.requests).toBe(3);
    expect(r.counters.responses).toBe(3);
    expect(r.counters.incomplete).toBeUndefined();
  });

  const chunked =
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n' +
    '5;name=value\r\nhello\r\n' +
    '7\r\n, world\r\n' +
    '0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n';

  it('de-chunks a body with chunk extensions and keeps the trailers', () => {
    const r = run([req(GET('/')), res(chunked)]);
    expect(r.exchanges.map(summarise)).toEqual([{ req: 'GET /', status: 200, resBody: 'hello, world' }]);
    expect(r.exchanges[0].response?.bodyLength).toBe(12);
    expect(r.exchanges[0].response?.trailers).toEqual([
      ['X-Checksum', 'abc'],
      ['X-Other', '1'],
    ]);
  });

  it('gives the same result for a chunked response split at every byte offset', () => {
    for (const cuts of everySplit(chunked)) {
      const r = run([req(GET('/')), ...splitAt(1, chunked, cuts)]);
      expect(r.exchanges.map(summarise), `cuts ${cuts.join(',')}`).toEqual([
        { req: 'GET /', status: 200, resBody: 'hello, world' },
      ]);
      expect(r.exchanges[0].response?.trailers?.length).toBe(2);
    }
  });

  it('gives the same result for pipelined requests split at every byte offset', () => {
    const stream = GET('/one') + 'PUT /two HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody' + GET('/three');
    for (const cuts of everySplit(stream)) {
      const r = run([...splitAt(0, stream, cuts), res(OK('1') + OK('2') + OK('3'))]);
      expect(r.exchanges.map(summarise), `cuts ${cuts.join(',')}`).toEqual([
        { req: 'GET /one', status: 200, resBody: '1' },
        { req: 'PUT /two', reqBody: 'body', status: 200, resBody: '2' },
        { req: 'GET /three', status: 200, resBody: '3' },
      ]);
    }
  });

  it('ends a response without length at the FIN', () => {
    const r = run([
      req(GET('/stream')),
      res('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\npart one,', 10),
      res(' part two', 20),
      end(1, 30),
      end(0, 31),
    ]);
    expect(r.exchanges.map(summarise)).toEqual([{ req: 'GET /stream', status: 200, resBody: 'part one, part two' }]);
    // the last byte came with the chunk at ts 20, not with the FIN
    expect(r.exchanges[0].response?.lastByte).toBe(20);
  });

  it('reads no body after a HEAD request, nor in 204 and 304 responses', () => {
    const r = run([
      req('HEAD /big HTTP/1.1\r\n\r\n' + GET('/none') + GET('/cached')),
      res('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'),
      res('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n'),
      res('HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n'),
    ]);
    expect(r.exchanges.map(summarise)).toEqual([
      { req: 'HEAD /big', status: 200 },
      { req: 'GET /none', status: 204 },
      { req: 'GET /cached', status: 304 },
    ]);
    expect(r.exchanges[0].response?.bodyLength).toBe(0);
  });

  it('treats 100 Continue as interim: the exchange pairs with the final response', () => {
    const r = run([
      req('PUT /upload HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n', 1),
      res('HTTP/1.1 100 Continue\r\n\r\n', 2),
      req('12345', 3),
      res('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n', 4),
    ]);
    expect(r.exchanges.map(summarise)).toEqual([{ req: 'PUT /upload', reqBody: '12345', status: 201 }]);
    const ex = r.exchanges[0];
    expect([ex.request.firstByte, ex.request.lastByte, ex.response?.firstByte, ex.response?.lastByte]).toEqual([
      1, 3, 4, 4,
    ]);
    expect(r.counters.interimResponses).toBe(1);
  });

  it('stamps first and last bytes with the time of the chunk carrying them', () => {
    const r = run([
      req('POST /x HTTP/1.1\r\nContent-', 100),
      req('Length: 4\r\n\r\nab', 110),
      req('cd', 120),
      res('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', 200),
      res('o', 210),
      res('k', 220),
    ]);
    const ex = r.exchanges[0];
    expect([ex.request.firstByte, ex.request.lastByte, ex.response?.firstByte, ex.response?.lastByte]).toEqual([
      100, 120, 200, 220,
    ]);
  });

  it('flushes requests still waiting at end of input with response null', () => {
    const r = run([req(GET('/a') + GET('/b')), res(OK('A'))]);
    expect(r.exchanges.map(summarise)).toEqual([
      { req: 'GET /a', status: 200, resBody: 'A' },
      { req: 'GET /b', status: null, incomplete: 'no response before the connection ended (eof)' },
    ]);
    expect(r.counters.incomplete).toBe(1);
  });

  it('keeps header values as sent and finds them case-insensitively', () => {
    const r = run([
      req('GET / HTTP/1.1\r\nX-Auth-Token:  gAAAA-secret \r\nx-multi: a\r\n folded\r\n\r\n'),
      res(OK('')),
    ]);
    const h = r.exchanges[0].request.headers;
    expect(h).toEqual([
      ['X-Auth-Token', 'gAAAA-secret'],
      ['x-multi', 'a folded'],
    ]);
    expect(headerValue(h, 'x-auth-token')).toBe('gAAAA-secret');
    expect(headerValue(h, 'X-MULTI')).toBe('a folded');
    expect(headerValue(h, 'missing')).toBeUndefined();
  });

  it('treats a __proto__ header as a plain pair (no prototype pollution)', () => {
    const r = run([req('GET / HTTP/1.1\r\n__proto__: polluted\r\nconstructor: x\r\n\r\n'), res(OK('ok'))]);
    expect(r.exchanges[0].request.headers).toEqual([
      ['__proto__', 'polluted'],
      ['constructor', 'x'],
    ]);
    expect(headerValue(r.exchanges[0].request.headers, '__proto__')).toBe('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('HttpConnectionParser: content encoding', () => {
  const json = JSON.stringify({ server: { id: 'abc', status: 'ACTIVE' }, pad: 'x'.repeat(500) });

  it('inflates a gzip body', () => {
    const gz = zlib.gzipSync(json);
    const head = `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`;
    const r = run([req(GET('/')), res(Buffer.concat([Buffer.from(head), gz]))]);
    expect(summarise(r.exchanges[0]).resBody).toBe(json);
    expect(r.exchanges[0].response?.bodyLength).toBe(gz.length);
  });

  it('inflates a deflate body, zlib-wrapped or raw', () => {
    for (const z of [zlib.deflateSync(json), zlib.deflateRawSync(json)]) {
      const head = `HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: ${z.length}\r\n\r\n`;
      const r = run([req(GET('/')), res(Buffer.concat([Buffer.from(head), z]))]);
      expect(summarise(r.exchanges[0]).resBody).toBe(json);
    }
  });

  it('bounds a gzip bomb by maxBodyBytes', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024)); // ~50 KB compressed
    const head = `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`;
    const r = run([req(GET('/')), res(Buffer.concat([Buffer.from(head), bomb]))], {
      limits: { maxBodyBytes: 1 << 20 },
    });
    const resp = r.exchanges[0].response!;
    expect(resp.body.length).toBeLessThanOrEqual(1 << 20);
    expect(resp.body.length).toBeGreaterThan(0);
    expect(resp.bodyTruncated).toBe(true);
    expect(r.counters.inflateLimitHits).toBe(1);
  });

  it('inflates a bomb once: the first maxBodyBytes come out of one pass, and only they are charged', () => {
    for (const [name, encode] of [
      ['gzip', zlib.gzipSync],
      ['br', zlib.brotliCompressSync],
      ['deflate', zlib.deflateRawSync],
    ] as const) {
      const plain = Buffer.alloc(24 * 1024 * 1024, 'A');
      plain.write('{"ID":"first"}', 0);
      const bomb = encode(plain);
      const head = `HTTP/1.1 200 OK\r\nContent-Encoding: ${name}\r\nContent-Length: ${bomb.length}\r\n\r\n`;
      const r = run([req(GET('/')), res(Buffer.concat([Buffer.from(head), bomb]))], {
        limits: { maxBodyBytes: 1 << 20 },
      });
      const resp = r.exchanges[0].response!;
      // Halving the input until a prefix fitted gave a shorter prefix after several decodes.
      expect(resp.body.length).toBe(1 << 20);
      expect(Buffer.from(resp.body.subarray(0, 14)).toString()).toBe('{"ID":"first"}');
      expect(resp.bodyTruncated).toBe(true);
      expect(r.counters.inflatedBytes).toBe(1 << 20);
    }
  });

  it('a cut compressed body yields the prefix it has, as before', () => {
    const gz = zlib.gzipSync(json);
    const head = `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length + 100}\r\n\r\n`;
    const r = run([req(GET('/')), res(Buffer.concat([Buffer.from(head), gz.subarray(0, gz.length - 8)])), end(1)]);
    expect(summarise(r.exchanges[0]).resBody).toBe(json);
  });

  it('keeps a corrupt gzip body as sent and counts the error', () => {
    const bad = 'not gzip at all';
    const r = run([
      req(GET('/')),
      res(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bad.length}\r\n\r\n${bad}`),
    ]);
    expect(r.exchanges[0].response?.bodyEncoded).toBe('gzip');
    expect(summarise(r.exchanges[0]).resBody).toBe(bad);
    expect(r.counters.inflateErrors).toBe(1);
    expect(r.warnings.length).toBe(1);
  });

  it('keeps bodies up to maxBodyBytes and marks the rest truncated', () => {
    const r = run([req(GET('/')), res(OK('0123456789'))], { limits: { maxBodyBytes: 4 } });
    const resp = r.exchanges[0].response!;
    expect(Buffer.from(resp.body).toString()).toBe('0123');
    expect([resp.bodyTruncated, resp.bodyLength]).toEqual([true, 10]);
  });

  it('copies no body the owner does not want, but still counts its length', () => {
    const r = run([req(GET('/image/file')), res(OK('imagebytes'))], {
      parser: { keepBody: (h) => h.target !== '/image/file' },
    });
    expect(r.exchanges[0].response?.body.length).toBe(0);
    expect(r.exchanges[0].response?.bodyLength).toBe(10);
  });
});

describe('HttpConnectionParser: bounds, gaps and resynchronisation', () => {
  it('ends the exchange in progress at a gap mid-body, then resyncs on the next request', () => {
    const steps: Step[] = [
      req('POST /a HTTP/1.1\r\nContent-Length: 100\r\n\r\n0123456789'),
      gap(0, -1),
      req('tail of the lost body\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'),
      res(OK('A') + OK('B')),
    ];
    const r = run(steps);
    expect(r.exchanges.map(summarise)).toEqual([
      {
        req: 'POST /a',
        reqBody: '0123456789',
        status: 200,
        resBody: 'A',
        incomplete: 'gap in request body (unknown size)',
      },
      { req: 'GET /b', status: 200, resBody: 'B' },
    ]);
    expect(r.counters.resyncs).toBe(1);
    expect(r.counters.bytesSkipped).toBe('tail of the lost body\r\n'.length);
  });

  it('stays in step across a gap of known size inside a body', () => {
    const r = run([
      req(GET('/a') + GET('/b')),
      res('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123'),
      gap(1, 3),
      res('789' + OK('B')),
    ]);
    expect(r.exchanges.map(summarise)).toEqual([
      { req: 'GET /a', status: 200, resBody: '0123', incomplete: 'gap in response body (3 bytes lost)' },
      { req: 'GET /b', status: 200, resBody: 'B' },
    ]);
    expect(r.exchanges[0].response?.bodyLength).toBe(10);
    expect(r.counters.resyncs).toBeUndefined();
  });

  it('gives up on waiting requests when response framing is lost, rather than mis-pairing', () => {
    const r = run([
      req(GET('/a') + GET('/b')),
      res('HTTP/1.1 200 OK\r\nContent-Len'),
      gap(1, -1),
      req(GET('/c')),
      res('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nC'),
    ]);
    expect(r.exchanges.map(summarise)).toEqual([
      { req: 'GET /a', status: null, incomplete: 'response lost: gap in response headers (unknown size)' },
      { req: 'GET /b', status: null, incomplete: 'response lost: gap in response headers (unknown size)' },
      { req: 'GET /c', status: 200, resBody: 'C' },
    ]);
  });

  it('skips garbage and resyncs on the next request line', () => {
    const r = run([
      req('\x16\x03\x01binary junk\r\nHTTP/1.1 is not a request line, nor GET  HTTP/1.1\r\n{"a":1}' + GET('/real')),
      res(OK('R')),
    ]);
    expect(r.exchanges.map(summarise)).toEqual([{ req: 'GET /real', status: 200, resBody: 'R' }]);
    expect(r.counters.parseErrors).toBe(1);
    expect(r.counters.resyncs).toBe(1);
    expect(r.warnings[0]).toMatchObject({ stage: 'protocols', protocol: 'http', conn: 7 });
  });

  it('finds the first message of a capture that starts mid-stream', () => {
    const tail = 'ength: 5\r\n\r\nhello';
    for (const cuts of everySplit(tail + OK('x'))) {
      const r = run([gap(0, -1), req(GET('/after')), gap(1, -1), ...splitAt(1, tail + OK('x'), cuts)]);
      expect(r.exchanges.map(summarise), `cuts ${cuts.join(',')}`).toEqual([
        { req: 'GET /after', status: 200, resBody: 'x' },
      ]);
    }
  });

  it('resyncs on a request that follows the rest of a JSON body on the same line', () => {
    const r = run([
      req('PUT /a HTTP/1.1\r\nContent-Length: 40\r\n\r\n{"allocations":'),
      gap(0, 2000),
      req('{"x": 1}}}PUT /b HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}'),
      res('HTTP/1.1 204 No Content\r\n\r\n' + 'HTTP/1.1 204 No Content\r\n\r\n'),
    ]);
    expect(r.exchanges.map(summarise)).toEqual([
      { req: 'PUT /a', reqBody: '{"allocations":', status: 204, incomplete: 'gap in request body (2000 bytes lost)' },
      { req: 'PUT /b', reqBody: '{}', status: 204 },
    ]);
    expect(r.counters.bytesSkipped).toBe('{"x": 1}}}'.length);
  });

  it('stops parsing after 101 Switching Protocols', () => {
    const r = run([
      req('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
      res('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello'),
      req('\x81\x85masked-frame GET /x HTTP/1.1\r\n\r\n'),
    ]);
    expect(r.exchanges.map(summarise)).toEqual([{ req: 'GET /ws', status: 101 }]);
    expect(r.counters.upgrades).toBe(1);
    expect(r.counters.requests).toBe(1);
  });

  it('bounds the header block by maxHeaderBytes', () => {
    const long = `GET /a HTTP/1.1\r\nX-Big: ${'y'.repeat(2000)}\r\n\r\n`;
    const r = run([req(long + GET('/b')), res(OK('B'))], { limits: { maxHeaderBytes: 1024 } });
    expect(r.counters.headerLimitHits).toBe(1);
    expect(r.exchanges.map(summarise)).toEqual([{ req: 'GET /b', status: 200, resBody: 'B' }]);
  });

  it('cuts a response at a FIN that comes before its Content-Length is reached', () => {
    const r = run([req(GET('/a')), res('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'), end(1)]);
    expect(r.exchanges.map(summarise)).toEqual([
      { req: 'GET /a', status: 200, resBody: 'abc', incomplete: 'connection ended (fin) inside response body' },
    ]);
  });

  it('rejects conflicting Content-Length values and resyncs', () => {
    const r = run([
      req('POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nab\r\n' + GET('/b')),
      res(OK('A') + OK('B')),
    ]);
    expect(r.exchanges.map(summarise)).toEqual([
      { req: 'POST /a', status: 200, resBody: 'A', incomplete: 'request framing: conflicting Content-Length values' },
      { req: 'GET /b', status: 200, resBody: 'B' },
    ]);
  });
});
