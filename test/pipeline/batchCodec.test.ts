/**
 * batchCodec: what a capture worker encodes, the main thread decodes equal — key order,
 * -0, bigints, bytes and hostile strings and keys included — for every action kind, across
 * batches (shapes are sent once per worker), empty and huge values, and past the shape table.
 */
import { describe, expect, it } from 'vitest';
import { BatchDecoder, BatchEncoder } from '../../src/pipeline/batchCodec.js';
import { Action } from '../../src/pipeline/workerActions.js';
import type { AmqpMessage, HttpExchange } from '../../src/protocols/types.js';
import type { HttpDissection } from '../../src/pipeline/httpDissection.js';
import type { NomadRpcEvent } from '../../src/dissectors/nomad/types.js';
import type { OsloPredecoded } from '../../src/dissectors/nova/osloCorrelator.js';

/** JSON with what JSON drops or merges spelled out, so key order and types are compared too. */
function spelled(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return { bigint: x.toString() };
    if (x instanceof Uint8Array) return { bytes: Array.from(x) };
    if (x === undefined) return { undefined: true };
    if (typeof x === 'number' && !Number.isFinite(x)) return { number: String(x) };
    if (Object.is(x, -0)) return { number: '-0' };
    return x;
  });
}

/** Each batch through one encoder and one decoder, in order, as a worker and the main thread do. */
function roundTrip(batches: unknown[][]): unknown[][] {
  const enc = new BatchEncoder(),
    dec = new BatchDecoder();
  return batches.map((b) => {
    const { batch, transfer } = enc.encode(b);
    // As postMessage with a transfer list would: the buffers leave the worker.
    const moved = structuredClone(batch, { transfer });
    return dec.decode(moved);
  });
}

const conn = {
  id: 7,
  client: { ip: '10.0.0.2', port: 40000 },
  server: { ip: 'fe80::1', port: 4646 },
  sawSyn: true,
  startTs: 12,
};

const exchange: HttpExchange = {
  conn,
  request: {
    method: 'PUT',
    target: '/v1/jobs?x=\u2028',
    version: 'HTTP/1.1',
    headers: [['X-Forwarded-For', '1.2.3.4']],
    body: new Uint8Array(0),
    bodyTruncated: false,
    bodyLength: 1234,
    firstByte: 1_000_000_123.5,
    lastByte: 2 ** 40,
  },
  response: {
    status: 200,
    reason: 'OK',
    version: 'HTTP/1.1',
    headers: [],
    body: new Uint8Array(0),
    bodyTruncated: true,
    bodyLength: 0,
    firstByte: 3,
    lastByte: 4,
    bodyEncoded: 'br',
  },
  incomplete: undefined,
};

const dissection: HttpDissection = { nova: null, nomadEvidence: true };

const amqp: AmqpMessage = {
  conn,
  dir: 'toServer' as unknown as AmqpMessage['dir'],
  channel: 1,
  method: 'Basic.Publish',
  exchange: 'nova',
  routingKey: 'compute.host-1',
  properties: {
    contentType: 'application/json',
    headers: { big: 2n ** 70n, neg: -5n, raw: new Uint8Array([0, 255]), list: [1, 'a', null, { x: true }] },
    timestamp: 1_700_000_000,
  },
  body: new Uint8Array([123, 125]).subarray(1),
  bodySize: 2,
  bodyTruncated: false,
  firstByte: 1,
  lastByte: 2,
};

const pre: OsloPredecoded = {
  fingerprint: 0xdeadbeef,
  bodyLength: 2,
  uniqueId: undefined,
  decoded: { ok: false, reason: 'not oslo' } as unknown as OsloPredecoded['decoded'],
};

const rpc: NomadRpcEvent = {
  method: 'Node.GetClientAllocs',
  streamId: 3,
  conn: 7,
  seq: 2 ** 31,
  request: { first: 1, last: 2, src: '10.0.0.2:40000', dst: '10.0.0.1:4647', conn: 7 },
  response: null,
  requestBytes: 156,
  responseBytes: null,
  ids: { node: 'n-1', allocs: ['a', 'b'] },
  blocking: true,
  minQueryIndex: -(2 ** 31),
  index: Number.MAX_SAFE_INTEGER,
  clientAllocs: { '19f0ef47-ea8d-e10c-42dc-f66939209a80': 5, 'a"b\\c': 6 },
};

const everyKind: unknown[] = [
  ...[1, Action.http, [exchange, dissection]],
  ...[2, Action.amqp, [amqp, pre]],
  ...[2, Action.amqp, [{ ...amqp, method: 'Basic.Return' }, undefined]],
  ...[3, Action.nomadRpc, rpc],
  ...[4, Action.warn, 'http connection 7: bad \u0000 header \ud800'],
  ...[5, Action.netWarning, { message: 'connection limit', limit: 'maxConnections', ts: 99 }],
  ...[5, Action.netWarning, { message: 'no limit' }],
  ...[6, Action.counterKey, ['http', 'requests']],
  ...[7, Action.tlsNew, ['0:0', { conn: 7, sni: 'x', versions: [] }]],
  ...[8, Action.tlsUpdate, ['0:0', { conn: 7, sni: 'y', versions: ['1.3'] }]],
  ...[9, Action.poll, 1e9],
  ...[10, Action.progress, 65536],
  ...[11, Action.start, { format: 'pcap', epochNs: 1_700_000_000_123_456_789n, counters: {} }],
];

describe('batchCodec', () => {
  it('gives back every action kind equal, key order and types included', () => {
    const [out] = roundTrip([everyKind]);
    expect(spelled(out)).toBe(spelled(everyKind));
    expect(out).toStrictEqual(everyKind);
  });

  it('keeps shapes across batches: a later batch uses the shapes of an earlier one', () => {
    const batches = [everyKind, everyKind, [3, Action.nomadRpc, rpc]];
    const out = roundTrip(batches);
    for (const [i, b] of batches.entries()) expect(spelled(out[i])).toBe(spelled(b));
    // The second batch sends no shape again.
    const enc = new BatchEncoder();
    expect(enc.encode(everyKind).batch.shapes.length).toBeGreaterThan(5);
    expect(enc.encode(everyKind).batch.shapes).toEqual([]);
  });

  it('numbers: -0, NaN, infinities, int32 edges, fractions, beyond 2^53', () => {
    const nums = [-0, 0, NaN, Infinity, -Infinity, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 0.1, -1.5, 2 ** 60, 5e-324];
    const [out] = roundTrip([nums]);
    expect(out.length).toBe(nums.length);
    for (const [i, n] of nums.entries()) expect(Object.is(out[i], n)).toBe(true);
  });

  it('hostile keys become own properties: __proto__, constructor, quotes, line separators, many uses', () => {
    const keys = [
      '__proto__',
      'constructor',
      'toString',
      '"};process.exit(1);//',
      'a\u2028b',
      '\ud800',
      '',
      '0',
      '1e3',
    ];
    const obj = () => {
      const o: Record<string, unknown> = {};
      for (const [i, k] of keys.entries()) Object.defineProperty(o, k, { value: i, enumerable: true, writable: true });
      return o;
    };
    // __proto__ alone is name-like: it makes a shape of its own, sent once and used again.
    const protoOnly = () => {
      const o: Record<string, unknown> = { a: 1 };
      Object.defineProperty(o, '__proto__', { value: { polluted: true }, enumerable: true, writable: true });
      return o;
    };
    const batch = [...Array.from({ length: 40 }, obj), ...Array.from({ length: 40 }, protoOnly)];
    const [out] = roundTrip([batch, batch]).slice(1);
    expect(spelled(out)).toBe(spelled(batch));
    for (const o of out as Record<string, unknown>[]) {
      expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
      expect(Object.hasOwn(o, '__proto__')).toBe(true);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('hostile strings come back unchanged: lone surrogates, NUL, every code unit', () => {
    const all = String.fromCharCode(...Array.from({ length: 65536 }, (_, i) => i));
    const strings = ['\ud800', '\udfff\ud800', '\u0000', 'é😀', all, ''];
    const [out] = roundTrip([strings]);
    expect(out).toEqual(strings);
  });

  it('empty and huge values', () => {
    const bytes = new Uint8Array(5 << 20).map((_, i) => i * 7);
    const wide: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) wide[`k${i}`] = i;
    const values = [
      [],
      {},
      '',
      new Uint8Array(0),
      'x'.repeat(1 << 20),
      Array.from({ length: 100_000 }, (_, i) => i * 0.5),
      bytes,
      bytes.subarray(3, 10),
      wide,
      [[[[[]]]]],
    ];
    const [out] = roundTrip([values]);
    // The big byte array compared as bytes (spelled as JSON it is slow).
    expect(Buffer.from(out[6] as Uint8Array).equals(bytes)).toBe(true);
    expect(spelled(out.filter((_, i) => i !== 6))).toBe(spelled(values.filter((_, i) => i !== 6)));
    expect((out[7] as Uint8Array).length).toBe(7);
  });

  it('past the shape table and with data keys, objects still come back equal', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ [`f${i}`]: i, same: 'x' }));
    const records = Array.from({ length: 50 }, (_, i) => ({ [`id-${i}-${'z'.repeat(i)}`]: i }));
    const enc = new BatchEncoder();
    expect(enc.encode(records).batch.shapes).toEqual([]);
    const out = roundTrip([many, records, many]);
    expect(spelled(out)).toBe(spelled([many, records, many]));
  });

  it('refuses what it cannot carry (a Map would come back as an empty object)', () => {
    expect(() => new BatchEncoder().encode([new Map([[1, 2]])])).toThrow(/Map/);
    expect(() => new BatchEncoder().encode([() => 1])).toThrow(/function/);
    expect(() => new BatchEncoder().encode([new Int16Array(2)])).toThrow(/Int16Array/);
  });
});
