import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { NomadRpcConnectionParser } from '../../../src/dissectors/nomad/nomadRpcConnectionParser.js';
import {
  defaultProtocolLimits,
  type MsgpackRpcExchange,
  type ProtocolContext,
  type ProtocolWarning,
} from '../../../src/protocols/types.js';
import type { ConnectionInfo, Direction } from '../../../src/net/types.js';

const conn: ConnectionInfo = {
  id: 1,
  client: { ip: '10.99.0.2', port: 44102 },
  server: { ip: '10.99.0.1', port: 4647 },
  sawSyn: true,
  startTs: 0,
};
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const byte = (b: number) => Uint8Array.of(b);

function yamux(type: number, flags: number, streamId: number, payload: Uint8Array | number = 0): Uint8Array {
  const body = typeof payload === 'number' ? new Uint8Array(0) : payload;
  const out = new Uint8Array(12 + body.length);
  const v = new DataView(out.buffer);
  v.setUint8(1, type);
  v.setUint16(2, flags);
  v.setUint32(4, streamId);
  v.setUint32(8, typeof payload === 'number' ? payload : body.length);
  out.set(body, 12);
  return out;
}
const SYN = 1,
  ACK = 2,
  RST = 8;
const dataFrame = (id: number, payload: Uint8Array, flags = 0) => yamux(0, flags, id, payload);
const open = (id: number) => yamux(1, SYN, id, 262144);
const accept = (id: number) => yamux(1, ACK, id, 262144);

const secret = 'a8848f9e-fd5c-4037-acd5-b06bd465db4a';
const token = '993b5677-a5cf-4608-a7c7-e23e9bfc8fd0';
const request = (seq: number, method: string, body: unknown) =>
  cat(encode({ Seq: seq, ServiceMethod: method }), encode(body));
const response = (seq: number, method: string, body: unknown) =>
  cat(encode({ Error: '', Seq: seq, ServiceMethod: method }), encode(body));
const getClientAllocs = request(4, 'Node.GetClientAllocs', {
  NodeID: 'node-1',
  SecretID: secret,
  AuthToken: token,
  MinQueryIndex: 0,
  Region: 'global',
});
const getClientAllocsReply = response(4, 'Node.GetClientAllocs', { Allocs: { 'alloc-1': 12 }, Index: 12 });

type Step = [Direction, Uint8Array | { gap: number }];

function run(steps: Step[], opts: { fullBodies?: boolean } = {}) {
  const warnings: ProtocolWarning[] = [];
  const ctx: ProtocolContext = { counters: {}, warn: (w) => warnings.push(w), limits: defaultProtocolLimits };
  const exchanges: MsgpackRpcExchange[] = [];
  const p = new NomadRpcConnectionParser(conn, (ex) => exchanges.push(ex), ctx, opts);
  steps.forEach(([dir, c], i) => ('gap' in c ? p.gap(dir, c.gap, i) : p.data(dir, c, i)));
  p.end(0, steps.length, 'fin');
  p.end(1, steps.length, 'fin');
  const summary = exchanges.map(
    (e) => `${e.streamId}: ${e.request.serviceMethod}#${e.request.seq} -> ${e.response ? 'reply' : 'none'}`,
  );
  return { exchanges, summary, counters: ctx.counters, warnings };
}

describe('NomadRpcConnectionParser', () => {
  it('0x03 multiplex: msgpack RPC on a yamux stream, split across yamux frames at every offset', () => {
    for (let cut = 1; cut < getClientAllocs.length; cut++) {
      const r = run([
        [0, cat(byte(0x03), open(1), dataFrame(1, getClientAllocs.subarray(0, cut)))],
        [1, accept(1)],
        [0, dataFrame(1, getClientAllocs.subarray(cut))],
        [1, dataFrame(1, getClientAllocsReply)],
      ]);
      expect(r.summary).toEqual(['1: Node.GetClientAllocs#4 -> reply']);
      expect(r.exchanges[0].request.firstByte).toBe(0);
      expect(r.exchanges[0].request.lastByte).toBe(2);
      expect(r.counters['nomad-rpc']['connType 0x03 multiplex']).toBe(1);
    }
  });

  it('0x03 multiplex: the same bytes split across TCP segments at every offset', () => {
    const wire = cat(
      byte(0x03),
      open(1),
      dataFrame(1, getClientAllocs.subarray(0, 20)),
      yamux(2, SYN, 0, 5),
      dataFrame(1, getClientAllocs.subarray(20)),
    );
    for (let cut = 1; cut < wire.length; cut++) {
      const r = run([
        [0, wire.subarray(0, cut)],
        [0, wire.subarray(cut)],
        [1, cat(accept(1), yamux(2, ACK, 0, 5), dataFrame(1, getClientAllocsReply))],
      ]);
      expect(r.summary).toEqual(['1: Node.GetClientAllocs#4 -> reply']);
      expect(r.warnings).toEqual([]);
    }
  });

  it('keeps interleaved streams apart and matches replies on their own stream', () => {
    const ping = request(1, 'Status.Ping', {});
    const r = run([
      [
        0,
        cat(
          byte(0x03),
          open(1),
          open(3),
          dataFrame(1, getClientAllocs.subarray(0, 10)),
          dataFrame(3, ping),
          dataFrame(1, getClientAllocs.subarray(10)),
        ),
      ],
      [
        1,
        cat(
          accept(1),
          accept(3),
          dataFrame(3, response(1, 'Status.Ping', {})),
          yamux(1, 0, 1, 4096),
          dataFrame(1, getClientAllocsReply),
        ),
      ],
    ]);
    expect(r.summary).toEqual(['3: Status.Ping#1 -> reply', '1: Node.GetClientAllocs#4 -> reply']);
  });

  it.each([false, true])(
    'drops SecretID, AuthToken and Node.SecretID from every body it emits (fullBodies %s)',
    (fullBodies) => {
      const register = request(1, 'Node.Register', {
        Node: { ID: 'node-1', SecretID: secret, Status: 'ready' },
        AuthToken: token,
      });
      const r = run(
        [
          [0, cat(byte(0x01), register, getClientAllocs)],
          [1, cat(response(1, 'Node.Register', { Index: 3 }), getClientAllocsReply)],
        ],
        { fullBodies },
      );
      expect(r.summary).toEqual(['0: Node.Register#1 -> reply', '0: Node.GetClientAllocs#4 -> reply']);
      const text = JSON.stringify(r.exchanges, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
      expect(text).not.toContain(secret);
      expect(text).not.toContain(token);
      expect(text).toContain('node-1');
      // Whole bodies keep what is not secret; partial ones only what the method table reads.
      expect(text.includes('global')).toBe(fullBodies);
      expect(r.exchanges[0].request.partialBody).toBe(fullBodies ? undefined : true);
    },
  );

  it('0x01 plain RPC: msgpack RPC directly on the connection (stream 0)', () => {
    const r = run([
      [0, cat(byte(0x01), getClientAllocs)],
      [1, getClientAllocsReply],
    ]);
    expect(r.summary).toEqual(['0: Node.GetClientAllocs#4 -> reply']);
    expect(r.counters['nomad-rpc']['connType 0x01 rpc']).toBe(1);
  });

  it('0x06 multiplex v2: each stream starts with its own type byte', () => {
    const r = run([
      [0, cat(byte(0x06), open(1), dataFrame(1, byte(0x01)), dataFrame(1, getClientAllocs))],
      [1, cat(accept(1), dataFrame(1, getClientAllocsReply))],
      // A streaming-RPC stream (0x05) is counted, not decoded.
      [0, cat(open(3), dataFrame(3, cat(byte(0x05), encode({ Method: 'FileSystem.Logs' }))))],
    ]);
    expect(r.summary).toEqual(['1: Node.GetClientAllocs#4 -> reply']);
    expect(r.counters['nomad-rpc']['streamType 0x01 rpc']).toBe(1);
    expect(r.counters['nomad-rpc']['streamType 0x05 streaming']).toBe(1);
    expect(r.counters['msgpack-rpc'].decodeErrors).toBeUndefined();
  });

  it('0x06: the type byte may share a data frame with the first request', () => {
    const r = run([
      [0, cat(byte(0x06), open(5), dataFrame(5, cat(byte(0x01), getClientAllocs)))],
      [1, cat(accept(5), dataFrame(5, getClientAllocsReply))],
    ]);
    expect(r.summary).toEqual(['5: Node.GetClientAllocs#4 -> reply']);
  });

  it('counts Raft, TLS and streaming connections without decoding them', () => {
    for (const [b, key] of [
      [0x02, 'connType 0x02 raft'],
      [0x04, 'connType 0x04 tls'],
      [0x05, 'connType 0x05 streaming'],
    ] as const) {
      const r = run([
        [0, cat(byte(b), getClientAllocs)],
        [1, getClientAllocsReply],
      ]);
      expect(r.summary).toEqual([]);
      expect(r.counters['nomad-rpc'][key]).toBe(1);
      expect(r.warnings).toEqual([]);
    }
  });

  it('counts an unknown type byte, warns and skips the connection', () => {
    const r = run([
      [0, cat(byte(0x7f), getClientAllocs)],
      [1, getClientAllocsReply],
    ]);
    expect(r.summary).toEqual([]);
    expect(r.counters['nomad-rpc']['connType 0x7f unknown']).toBe(1);
    expect(r.counters['nomad-rpc'].unknownConnTypes).toBe(1);
    expect(r.warnings.map((w) => w.message)).toEqual([
      'unknown RPC connection type byte 0x7f; skipping the connection',
    ]);
  });

  it('a stream RST ends its waiting call with no reply', () => {
    const r = run([
      [0, cat(byte(0x03), open(1), dataFrame(1, getClientAllocs))],
      [1, cat(accept(1), yamux(1, RST, 1, 0))],
    ]);
    expect(r.summary).toEqual(['1: Node.GetClientAllocs#4 -> none']);
    expect(r.counters.yamux.streamsReset).toBe(1);
  });

  it('a capture truncated in the middle of a reply frame leaves the call unanswered', () => {
    const frame = dataFrame(1, getClientAllocsReply);
    const r = run([
      [0, cat(byte(0x03), open(1), dataFrame(1, getClientAllocs))],
      [1, cat(accept(1), frame.subarray(0, 30))],
    ]);
    expect(r.summary).toEqual(['1: Node.GetClientAllocs#4 -> none']);
    expect(r.counters.yamux.truncatedFrames).toBe(1);
    expect(r.counters['msgpack-rpc'].truncatedMessages).toBe(1);
  });

  it('a connection seen from its middle: yamux found by resync, RPC by header maps', () => {
    // Both directions start inside frames of stream 7 (whose SYN and type byte were before the capture).
    const clientTail = dataFrame(7, request(2, 'Node.UpdateStatus', { Status: 'ready' })).subarray(9);
    const serverTail = dataFrame(7, response(2, 'Node.UpdateStatus', {})).subarray(20);
    const r = run([
      [0, { gap: -1 }],
      [1, { gap: -1 }],
      [0, cat(clientTail, dataFrame(7, getClientAllocs.subarray(0, 15)), dataFrame(7, getClientAllocs.subarray(15)))],
      [1, cat(serverTail, dataFrame(7, getClientAllocsReply), yamux(2, ACK, 0, 1))],
    ]);
    expect(r.summary).toEqual(['7: Node.GetClientAllocs#4 -> reply']);
    expect(r.counters['nomad-rpc'].connectionsSeenMidway).toBe(1);
    expect(r.counters['nomad-rpc'].streamsJoinedMidway).toBe(1);
    expect(r.counters.yamux.skippedBytes).toBe(clientTail.length + serverTail.length);
  });

  it('a v2 stream joined midway is sniffed: its type byte is stepped over as junk', () => {
    const r = run([
      [0, { gap: -1 }],
      [0, cat(dataFrame(9, byte(0x01)), dataFrame(9, getClientAllocs), dataFrame(9, request(5, 'Status.Ping', {})))],
      [1, cat(dataFrame(9, getClientAllocsReply), dataFrame(9, response(5, 'Status.Ping', {})))],
    ]);
    expect(r.summary).toEqual(['9: Node.GetClientAllocs#4 -> reply', '9: Status.Ping#5 -> reply']);
    expect(r.counters['msgpack-rpc'].skippedBytes).toBe(1);
  });
});
