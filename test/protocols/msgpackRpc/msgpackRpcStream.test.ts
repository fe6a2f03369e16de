import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { MsgpackRpcStream } from '../../../src/protocols/msgpackRpc/msgpackRpcStream.js';
import { MsgpackObjectScanner } from '../../../src/protocols/msgpackRpc/msgpackScanner.js';
import {
  defaultProtocolLimits,
  type MsgpackRpcExchange,
  type ProtocolContext,
  type ProtocolWarning,
} from '../../../src/protocols/types.js';
import type { ConnectionInfo, Direction } from '../../../src/net/types.js';

const conn: ConnectionInfo = {
  id: 7,
  client: { ip: '10.99.0.2', port: 44102 },
  server: { ip: '10.99.0.1', port: 4647 },
  sawSyn: true,
  startTs: 0,
};
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

// go-msgpack writes struct fields sorted by name: {Seq, ServiceMethod} and {Error, Seq, ServiceMethod}.
const request = (seq: number, method: string, body: unknown) =>
  cat(encode({ Seq: seq, ServiceMethod: method }), encode(body, { useBigInt64: true }));
const response = (seq: number, method: string, body: unknown, error = '') =>
  cat(encode({ Error: error, Seq: seq, ServiceMethod: method }), encode(body, { useBigInt64: true }));

function context(): ProtocolContext & { warnings: ProtocolWarning[] } {
  const warnings: ProtocolWarning[] = [];
  return {
    counters: {},
    warn: (w) => warnings.push(w),
    limits: { ...defaultProtocolLimits, maxFrameBytes: 1 << 20 },
    warnings,
  };
}

type Step = [Direction, Uint8Array | { gap: number }];

/** Feeds steps (ts = step index) and ends both directions; returns exchanges in emission order. */
function run(steps: Step[], opts: { resync?: boolean } = {}) {
  const ctx = context();
  const exchanges: MsgpackRpcExchange[] = [];
  const s = new MsgpackRpcStream(conn, (ex) => exchanges.push(ex), ctx, { streamId: 3, resync: opts.resync });
  steps.forEach(([dir, c], i) => ('gap' in c ? s.gap(dir, c.gap, i) : s.data(dir, c, i)));
  s.end(0, steps.length, 'fin');
  s.end(1, steps.length, 'fin');
  const summary = exchanges.map(
    (e) =>
      `${e.request.serviceMethod}#${e.request.seq} -> ${e.response ? `${e.response.serviceMethod}#${e.response.seq}` : 'none'}`,
  );
  return { exchanges, summary, counters: ctx.counters['msgpack-rpc'] ?? {}, warnings: ctx.warnings };
}

describe('MsgpackRpcStream', () => {
  it('matches a request and its response by Seq, with header fields, bodies, sizes and byte times', () => {
    const req = request(4, 'Node.GetClientAllocs', { NodeID: 'n1', MinQueryIndex: 0 });
    const resp = response(4, 'Node.GetClientAllocs', { Allocs: { a1: 12 }, Index: 12 });
    const r = run([
      [0, req],
      [1, resp],
    ]);
    expect(r.summary).toEqual(['Node.GetClientAllocs#4 -> Node.GetClientAllocs#4']);
    const ex = r.exchanges[0];
    expect(ex.streamId).toBe(3);
    expect(ex.request).toMatchObject({
      kind: 'request',
      dir: 0,
      size: req.length,
      firstByte: 0,
      lastByte: 0,
      body: { NodeID: 'n1', MinQueryIndex: 0 },
    });
    expect(ex.request.error).toBeUndefined();
    expect(ex.response).toMatchObject({
      kind: 'response',
      dir: 1,
      error: '',
      size: resp.length,
      firstByte: 1,
      lastByte: 1,
      body: { Allocs: { a1: 12 }, Index: 12 },
    });
  });

  it('finds message boundaries at every split offset across TCP segments', () => {
    const wire = cat(
      request(1, 'Status.Ping', {}),
      request(2, 'Node.UpdateAlloc', { Alloc: [{ ID: 'x'.repeat(300) }] }),
    );
    const resp = response(2, 'Node.UpdateAlloc', { Index: 99 });
    for (let cut = 1; cut < wire.length; cut++) {
      const r = run([
        [0, wire.subarray(0, cut)],
        [0, wire.subarray(cut)],
        [1, resp],
      ]);
      expect(r.summary).toEqual(['Node.UpdateAlloc#2 -> Node.UpdateAlloc#2', 'Status.Ping#1 -> none']);
      const second = r.exchanges[0].request;
      // First byte: the chunk holding its first byte; last byte: the chunk holding its last.
      expect(second.firstByte).toBe(cut <= wire.length - second.size ? 1 : 0);
      expect(second.lastByte).toBe(1);
      expect(r.warnings).toEqual([]);
    }
  });

  it('decodes a message delivered one byte at a time', () => {
    const wire = request(9, 'Alloc.GetAllocs', { AllocIDs: ['a', 'b'], MinQueryIndex: 3 });
    const steps: Step[] = [...wire].map((b) => [0, Uint8Array.of(b)]);
    const r = run([...steps, [1, response(9, 'Alloc.GetAllocs', { Allocs: [] })]]);
    expect(r.summary).toEqual(['Alloc.GetAllocs#9 -> Alloc.GetAllocs#9']);
    expect(r.exchanges[0].request.firstByte).toBe(0);
    expect(r.exchanges[0].request.lastByte).toBe(wire.length - 1);
  });

  it('matches pipelined requests answered out of order', () => {
    const r = run([
      [0, cat(request(1, 'A.One', {}), request(2, 'B.Two', {}))],
      [1, cat(response(2, 'B.Two', {}), response(1, 'A.One', {}, 'boom'))],
    ]);
    expect(r.summary).toEqual(['B.Two#2 -> B.Two#2', 'A.One#1 -> A.One#1']);
    expect(r.exchanges[1].response?.error).toBe('boom');
  });

  it('keeps 64-bit nanosecond times exact (bigint)', () => {
    const time = 1795560355437677958n;
    const r = run([
      [0, request(1, 'Node.UpdateAlloc', { Time: time, Small: 5 })],
      [1, response(1, 'Node.UpdateAlloc', {})],
    ]);
    expect(r.exchanges[0].request.body).toEqual({ Time: time, Small: 5 });
  });

  it('turns a str32 length of 2^32 into a counted decode error, then resynchronises', () => {
    const header = encode({ Seq: 1, ServiceMethod: 'Bad.Str' });
    const lie = Uint8Array.of(0x81, 0xa1, 0x78, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x61, 0x62);
    const r = run([
      [0, cat(header, lie, request(2, 'Good.After', {}))],
      [1, response(2, 'Good.After', {})],
    ]);
    expect(r.summary).toEqual(['Good.After#2 -> Good.After#2']);
    expect(r.counters.decodeErrors).toBe(1);
    expect(r.warnings[0].message).toMatch(/msgpack length 4294967295 exceeds/);
  });

  it('turns an array32 count of 2^32 into a counted decode error without allocating', () => {
    const header = encode({ Seq: 1, ServiceMethod: 'Bad.Array' });
    const r = run([[0, cat(header, Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3))]]);
    expect(r.summary).toEqual([]);
    expect(r.counters.decodeErrors).toBe(1);
    expect(r.warnings[0].message).toMatch(/container of 4294967295 items/);
  });

  it('emits a request whose response never came (truncated capture) with response null', () => {
    const resp = response(5, 'Node.GetClientAllocs', { Index: 1 });
    const r = run([
      [0, request(5, 'Node.GetClientAllocs', {})],
      [1, resp.subarray(0, resp.length - 2)],
    ]);
    expect(r.summary).toEqual(['Node.GetClientAllocs#5 -> none']);
    expect(r.counters.truncatedMessages).toBe(1);
    expect(r.counters.unanswered).toBe(1);
  });

  it('picks up a stream seen from its middle at the next header map, counting skipped bytes', () => {
    const partial = request(1, 'Lost.Start', { Key: 'value' }).subarray(5);
    const r = run(
      [
        [0, cat(partial, request(2, 'Node.UpdateStatus', { Status: 'ready' }))],
        [1, response(2, 'Node.UpdateStatus', {})],
      ],
      { resync: true },
    );
    expect(r.summary).toEqual(['Node.UpdateStatus#2 -> Node.UpdateStatus#2']);
    expect(r.counters.skippedBytes).toBe(partial.length);
  });

  it('drops the message a gap fell into and resumes at the next header', () => {
    const first = request(1, 'One.Call', { Pad: 'p'.repeat(50) });
    const r = run([
      [0, first.subarray(0, 30)],
      [0, { gap: 10 }],
      [0, cat(first.subarray(40), request(2, 'Two.Call', {}))],
      [1, cat(response(1, 'One.Call', {}), response(2, 'Two.Call', {}))],
    ]);
    expect(r.summary).toEqual(['Two.Call#2 -> Two.Call#2']);
    expect(r.counters.lostMessages).toBe(1);
    expect(r.counters.responsesWithoutRequest).toBe(1);
  });

  it('counts a response whose request was not seen', () => {
    const r = run([[1, response(3, 'Status.Ping', {})]]);
    expect(r.summary).toEqual([]);
    expect(r.counters.responsesWithoutRequest).toBe(1);
  });
});

describe('MsgpackObjectScanner', () => {
  const scanAll = (bytes: Uint8Array, objects = 1, max = 1 << 20) => {
    const s = new MsgpackObjectScanner();
    s.reset(0, objects, max);
    return { result: s.scan(bytes, bytes.length), pos: s.pos };
  };

  it('finds the end of every msgpack type go-msgpack writes', () => {
    const value = {
      nil: null,
      t: true,
      f: false,
      pos: 5,
      neg: -3,
      u8: 200,
      u16: 60000,
      u32: 4e9,
      u64: 2n ** 63n,
      i8: -100,
      i16: -30000,
      i32: -2e9,
      i64: -(2n ** 40n),
      f64: 1.5,
      s: 'x'.repeat(40),
      long: 'y'.repeat(70000),
      bin: new Uint8Array(300),
      arr: Array.from({ length: 20 }, (_, i) => i),
      map: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
    };
    const bytes = cat(encode(value, { useBigInt64: true }), Uint8Array.of(0x01, 0x02));
    expect(scanAll(bytes)).toEqual({ result: 'done', pos: bytes.length - 2 });
    expect(scanAll(bytes, 3)).toEqual({ result: 'done', pos: bytes.length });
    expect(scanAll(bytes, 4).result).toBe('more');
  });

  it('resumes where it stopped when bytes arrive in pieces', () => {
    const bytes = encode({ a: [1, 2, { b: 'c'.repeat(100) }], d: 'e' });
    const s = new MsgpackObjectScanner();
    s.reset(0, 1, 1 << 20);
    for (let end = 1; end < bytes.length; end++) expect(s.scan(bytes, end)).toBe('more');
    expect(s.scan(bytes, bytes.length)).toBe('done');
    expect(s.pos).toBe(bytes.length);
  });

  it('rejects the reserved type byte 0xc1', () => {
    expect(scanAll(Uint8Array.of(0x91, 0xc1)).result).toEqual({ error: 'invalid msgpack type byte 0xc1', at: 1 });
  });

  it('stops at the message bound even when every item is small (an array of float64s)', () => {
    const floats = encode(Array.from({ length: 200 }, () => 0.5));
    expect(scanAll(floats, 1, 1000).result).toMatchObject({
      error: expect.stringMatching(/exceeds the 1000-byte bound/),
    });
    expect(scanAll(floats, 1, 2000).result).toBe('done');
  });

  it('rejects a bin32 larger than the message bound', () => {
    expect(scanAll(Uint8Array.of(0xc6, 0, 0x10, 0, 0), 1, 1000).result).toMatchObject({
      error: expect.stringMatching(/1048576 exceeds/),
    });
  });
});
