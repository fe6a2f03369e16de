/**
 * A Nomad reply whose `Index` is not an integer but a million nested arrays (the shape of
 * the 2.7 GB capture, scaled down): the selected field's type is checked before it
 * is decoded, so it is stepped over and counted, and the reply's other fields still read.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { NomadRpcConnectionParser } from '../../../src/dissectors/nomad/nomadRpcConnectionParser.js';
import { nomadRpcEvent } from '../../../src/dissectors/nomad/rpcEvents.js';
import { defaultProtocolLimits, type MsgpackRpcExchange, type ProtocolContext } from '../../../src/protocols/types.js';
import type { ConnectionInfo } from '../../../src/net/types.js';
import { hostilePcap, nestedMsgpackReplies } from '../../helpers/hostileCaptures.js';
import { measuredAnalyse } from '../../helpers/measuredRun.js';

const conn: ConnectionInfo = {
  id: 1,
  client: { ip: '10.0.0.2', port: 1000 },
  server: { ip: '10.0.0.1', port: 4647 },
  sawSyn: true,
  startTs: 0,
};

function yamuxFrames(id: number, flags: number, payload: Uint8Array, max = 200_000): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < payload.length || out.length === 0; at += max) {
    const part = payload.subarray(at, at + max);
    const f = new Uint8Array(12 + part.length);
    const v = new DataView(f.buffer);
    v.setUint16(2, out.length === 0 ? flags : 0);
    v.setUint32(4, id);
    v.setUint32(8, part.length);
    f.set(part, 12);
    out.push(f);
  }
  return out;
}

describe('a deeply nested Index in a Nomad reply', () => {
  it('is skipped by its type, counted, and the reply still read (no decode error)', () => {
    const depth = 1_000_000;
    // {Index: [[[…[1]…]]], EvalID: "e1"}
    const body = new Uint8Array(7 + depth + 1);
    body.set([0x82, 0xa5, ...Buffer.from('Index')]);
    body.fill(0x91, 7, 7 + depth);
    body[7 + depth] = 0x01;
    const reply = new Uint8Array([
      ...encode({ Error: '', Seq: 1, ServiceMethod: 'Job.Register' }),
      ...body,
      ...encode('EvalID'),
      ...encode('e1'),
    ]);
    const call = new Uint8Array([
      ...encode({ Seq: 1, ServiceMethod: 'Job.Register' }),
      ...encode({ Job: { ID: 'web' } }),
    ]);
    const ctx: ProtocolContext = { counters: {}, warn: () => {}, limits: defaultProtocolLimits };
    const out: MsgpackRpcExchange[] = [];
    const p = new NomadRpcConnectionParser(conn, (ex) => out.push(ex), ctx);
    p.data(0, Uint8Array.of(0x03), 1);
    for (const f of yamuxFrames(1, 1, call)) p.data(0, f, 2);
    for (const f of yamuxFrames(1, 2, reply)) p.data(1, f, 3);
    p.end(0, 4, 'fin');
    p.end(1, 4, 'fin');
    const c = ctx.counters['msgpack-rpc'];
    expect(c.fieldTypeMismatches).toBe(1);
    expect(c.bodyDecodeErrors).toBeUndefined();
    expect(out).toHaveLength(1);
    const ev = nomadRpcEvent(out[0]);
    expect(ev.evalId).toBe('e1');
    expect(ev.jobId).toBe('web');
    expect(ev.index).toBeUndefined();
  });
});

describe('nested Index replies through the pipeline', () => {
  it('10 replies whose Index is 300,000 nested maps: each counted, none decoded, within the memory bound', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vim-nested-')), 'nested.pcap');
    writeFileSync(
      file,
      hostilePcap(
        nestedMsgpackReplies(10, 300_000, 'map', {
          server: ['10.99.0.1', 4647],
          startNs: 1_700_000_000_000_000_000n,
          spanNs: 1_000_000_000n,
        }),
      ),
    );
    const r = measuredAnalyse(file);
    const c = (r.counters.protocols as Record<string, Record<string, number>>)['msgpack-rpc'];
    expect(c.responses).toBe(10);
    expect(c.fieldTypeMismatches).toBe(10);
    expect(c.bodyDecodeErrors).toBeUndefined();
    expect(r.maxRssBytes).toBeLessThan(200 * 1024 * 1024);
  }, 30_000);
});
