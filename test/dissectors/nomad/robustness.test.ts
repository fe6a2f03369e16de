/**
 * Bad bytes are data: corrupted, truncated and random input never throws, always ends with
 * every waiting call flushed, and the counters say what was skipped.
 */
import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { NomadRpcConnectionParser } from '../../../src/dissectors/nomad/nomadRpcConnectionParser.js';
import { defaultProtocolLimits, type MsgpackRpcExchange, type ProtocolContext } from '../../../src/protocols/types.js';
import type { ConnectionInfo } from '../../../src/net/types.js';

const conn: ConnectionInfo = {
  id: 1,
  client: { ip: '10.0.0.2', port: 1000 },
  server: { ip: '10.0.0.1', port: 4647 },
  sawSyn: true,
  startTs: 0,
};
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

function frame(type: number, flags: number, id: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint8(1, type);
  v.setUint16(2, flags);
  v.setUint32(4, id);
  v.setUint32(8, payload.length);
  out.set(payload, 12);
  return out;
}

/** Deterministic xorshift so a failure can be replayed. */
function rng(seed: number) {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const call = (seq: number) =>
  cat(
    encode({ Seq: seq, ServiceMethod: 'Node.UpdateAlloc' }),
    encode(
      {
        Alloc: [
          {
            ID: `a${seq}`,
            ClientStatus: 'running',
            TaskStates: { t: { Events: [{ Type: 'Started', Time: 2n ** 62n }] } },
          },
        ],
      },
      { useBigInt64: true },
    ),
  );
const reply = (seq: number) =>
  cat(encode({ Error: '', Seq: seq, ServiceMethod: 'Node.UpdateAlloc' }), encode({ Index: seq }));
const client = cat(
  Uint8Array.of(0x03),
  frame(1, 1, 1, new Uint8Array(0)),
  ...Array.from({ length: 20 }, (_, i) => frame(0, 0, 1, call(i + 1))),
);
const server = cat(
  frame(1, 2, 1, new Uint8Array(0)),
  ...Array.from({ length: 20 }, (_, i) => frame(0, 0, 1, reply(i + 1))),
);

function feed(c: Uint8Array, s: Uint8Array, random: () => number, gaps = true) {
  const ctx: ProtocolContext = {
    counters: {},
    warn: () => {},
    limits: { ...defaultProtocolLimits, maxFrameBytes: 1 << 16 },
  };
  const out: MsgpackRpcExchange[] = [];
  const p = new NomadRpcConnectionParser(conn, (ex) => out.push(ex), ctx);
  let i = 0,
    j = 0,
    ts = 0;
  while (i < c.length || j < s.length) {
    const n = 1 + Math.floor(random() * 200);
    // Replies never overtake their calls: the server side stays behind the client's progress.
    const serverMayGo = j < s.length && (i >= c.length || j / s.length < i / c.length - 0.05);
    if (!serverMayGo || (random() < 0.5 && i < c.length)) {
      p.data(0, c.subarray(i, i + n), ts++);
      i += n;
    } else {
      p.data(1, s.subarray(j, j + n), ts++);
      j += n;
    }
    if (gaps && random() < 0.03) p.gap(random() < 0.5 ? 0 : 1, random() < 0.5 ? -1 : Math.floor(random() * 50), ts++);
  }
  p.end(0, ts, 'eof');
  p.end(1, ts, 'eof');
  return { out, ctx };
}

describe('Nomad RPC parser robustness', () => {
  it('decodes the clean stream completely (the baseline the mutations break)', () => {
    const { out, ctx } = feed(client, server, rng(1), false);
    expect(out.filter((e) => e.response).length).toBe(20);
    expect(ctx.counters['msgpack-rpc'].decodeErrors).toBeUndefined();
  });

  it('never throws on corrupted bytes, gaps and random chunking (300 seeds)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const c = client.slice();
      const s = server.slice();
      for (let k = 0; k < 5; k++) c[1 + Math.floor(r() * (c.length - 1))] = Math.floor(r() * 256);
      for (let k = 0; k < 5; k++) s[Math.floor(r() * s.length)] = Math.floor(r() * 256);
      const { out } = feed(c, s, r);
      // Whatever survived is a well-formed exchange on stream 1.
      for (const ex of out) {
        expect(ex.request.kind).toBe('request');
        if (ex.response) expect(ex.response.seq).toBe(ex.request.seq);
      }
      // A corrupted response header can read as a request, never more messages than were sent.
      expect(out.length).toBeLessThanOrEqual(40);
    }
  });

  it('never throws on pure noise after a multiplex type byte', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const r = rng(seed);
      const noise = Uint8Array.from({ length: 4000 }, () => Math.floor(r() * 256));
      const { ctx } = feed(cat(Uint8Array.of(0x03), noise), noise.slice().reverse(), r);
      expect(ctx.counters.yamux).toBeDefined();
    }
  });
});
