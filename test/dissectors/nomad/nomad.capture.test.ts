/**
 * The Nomad dissectors on the three shared Nomad captures. Expected figures are the
 * "Independent check" section of each capture's README (tshark payloads → yamux → msgpack,
 * not our code) and its runs.tsv ground truth.
 */
import { describe, expect, it } from 'vitest';
import { reassembleTcp } from '../../../src/net/reassembleTcp.js';
import type { StreamHandler } from '../../../src/net/types.js';
import { HttpConnectionParser } from '../../../src/protocols/http/index.js';
import { defaultProtocolLimits, type ProtocolContext, type ProtocolWarning } from '../../../src/protocols/types.js';
import { NomadRpcConnectionParser } from '../../../src/dissectors/nomad/nomadRpcConnectionParser.js';
import { nomadRpcEvent } from '../../../src/dissectors/nomad/rpcEvents.js';
import { nomadHttpEvent } from '../../../src/dissectors/nomad/httpEvents.js';
import { nomadMessage, type NomadHttpEvent, type NomadRpcEvent } from '../../../src/dissectors/nomad/types.js';
import { capturePath, runsOf, secretsOf } from '../../helpers/groundTruth.js';

interface Expected {
  connTypes: Record<string, number>;
  frames: Record<string, number>;
  requests: Record<string, number>;
  responses: Record<string, number>;
}

// Copied from each README's "Independent check" block.
const expected: Record<string, Expected> = {
  'nomad-2016-stock': {
    connTypes: { 'connType 0x03 multiplex': 1 },
    frames: { '(0,0)': 797, '(1,0)': 3, '(1,1)': 2, '(1,2)': 2, '(2,1)': 2, '(2,2)': 2 },
    requests: {
      'Alloc.GetAllocs': 80,
      'Node.GetClientAllocs': 198,
      'Node.Register': 1,
      'Node.UpdateAlloc': 116,
      'Node.UpdateStatus': 3,
      'Status.Ping': 1,
    },
    responses: {
      'Alloc.GetAllocs': 80,
      'Node.GetClientAllocs': 197,
      'Node.Register': 1,
      'Node.UpdateAlloc': 116,
      'Node.UpdateStatus': 3,
      'Status.Ping': 1,
    },
  },
  'nomad-2016-tuned': {
    connTypes: { 'connType 0x03 multiplex': 1 },
    frames: { '(0,0)': 813, '(1,0)': 3, '(1,1)': 2, '(1,2)': 2, '(2,1)': 2, '(2,2)': 2 },
    requests: {
      'Alloc.GetAllocs': 80,
      'Node.GetClientAllocs': 202,
      'Node.Register': 1,
      'Node.UpdateAlloc': 120,
      'Node.UpdateStatus': 3,
      'Status.Ping': 1,
    },
    responses: {
      'Alloc.GetAllocs': 80,
      'Node.GetClientAllocs': 201,
      'Node.Register': 1,
      'Node.UpdateAlloc': 120,
      'Node.UpdateStatus': 3,
      'Status.Ping': 1,
    },
  },
  'nomad-modern': {
    connTypes: { 'connType 0x06 multiplex-v2': 1 },
    frames: { '(0,0)': 809, '(1,0)': 4, '(1,1)': 2, '(1,2)': 2, '(2,1)': 2, '(2,2)': 2 },
    requests: {
      'Alloc.GetAllocs': 80,
      'Node.GetClientAllocs': 200,
      'Node.Register': 1,
      'Node.UpdateAlloc': 118,
      'Node.UpdateStatus': 4,
      'Status.Ping': 1,
    },
    responses: {
      'Alloc.GetAllocs': 80,
      'Node.GetClientAllocs': 199,
      'Node.Register': 1,
      'Node.UpdateAlloc': 118,
      'Node.UpdateStatus': 4,
      'Status.Ping': 1,
    },
  },
};

async function dissect(name: string) {
  const warnings: ProtocolWarning[] = [];
  const ctx: ProtocolContext = { counters: {}, warn: (w) => warnings.push(w), limits: defaultProtocolLimits };
  const rpc: NomadRpcEvent[] = [];
  const http: NomadHttpEvent[] = [];
  const frames: Record<string, number> = {};
  const net = await reassembleTcp(capturePath(name), (conn): StreamHandler | null => {
    if (conn.server.port === 4647) {
      return new NomadRpcConnectionParser(conn, (ex) => rpc.push(nomadRpcEvent(ex)), ctx, {
        onYamuxFrame: (_dir, h) => {
          const k = `(${h.type},${h.flags})`;
          frames[k] = (frames[k] ?? 0) + 1;
        },
      });
    }
    if (conn.server.port === 4646) return new HttpConnectionParser(conn, (ex) => http.push(nomadHttpEvent(ex)), ctx);
    return null;
  });
  return { rpc, http, frames, ctx, warnings, net };
}

const tally = (xs: string[]) => {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
};

describe.each(Object.keys(expected))('Nomad capture %s', (name) => {
  const want = expected[name];
  const result = dissect(name);
  const runs = runsOf(name);

  it('reads the connection type byte, counts yamux frames by (type, flags) as the README does', async () => {
    const { ctx, frames } = await result;
    const nomad = ctx.counters['nomad-rpc'];
    const types = Object.fromEntries(Object.entries(nomad).filter(([k]) => k.startsWith('connType')));
    expect(types).toEqual(want.connTypes);
    expect(frames).toEqual(want.frames);
    expect(ctx.counters.yamux['frame(0,0)']).toBe(want.frames['(0,0)']);
  });

  it('decodes every request and response, per method, without a decode error', async () => {
    const { rpc, ctx, warnings } = await result;
    expect(tally(rpc.map((e) => e.method))).toEqual(want.requests);
    expect(tally(rpc.filter((e) => e.response).map((e) => e.method))).toEqual(want.responses);
    expect(rpc.filter((e) => e.error)).toEqual([]);
    const mp = ctx.counters['msgpack-rpc'];
    expect(mp.decodeErrors ?? 0).toBe(0);
    expect(mp.bodyDecodeErrors ?? 0).toBe(0);
    expect(mp.skippedBytes ?? 0).toBe(0);
    expect(ctx.counters.yamux.resyncs ?? 0).toBe(0);
    expect(warnings.filter((w) => w.protocol !== 'http')).toEqual([]);
    if (name === 'nomad-modern') expect(ctx.counters['nomad-rpc']['streamType 0x01 rpc']).toBe(2);
  });

  it('follows each run: GetClientAllocs lists the alloc, GetAllocs carries its job and eval, one UpdateAlloc reports it running with a Started event', async () => {
    const { rpc } = await result;
    expect(runs.length).toBe(40);
    for (const run of runs) {
      const firstListing = rpc
        .filter((e) => e.method === 'Node.GetClientAllocs' && e.clientAllocs && run.alloc_id in e.clientAllocs)
        .sort((a, b) => a.response!.last - b.response!.last)[0];
      expect(firstListing, `run ${run.run}: listed by GetClientAllocs`).toBeDefined();
      const fetch = rpc.find((e) => e.method === 'Alloc.GetAllocs' && e.allocs?.some((a) => a.id === run.alloc_id));
      expect(fetch, `run ${run.run}: fetched`).toBeDefined();
      const fetched = fetch!.allocs!.find((a) => a.id === run.alloc_id)!;
      expect(fetched.jobId).toBe(run.job_id);
      expect(fetched.evalId).toBe(run.eval_id);
      // The alloc id first appears in a GetClientAllocs reply, before any fetch of it.
      const firstMention = rpc
        .filter((e) => e.ids.alloc === run.alloc_id || e.ids.allocs?.includes(run.alloc_id))
        .sort((a, b) => (a.response?.last ?? a.request.last) - (b.response?.last ?? b.request.last))[0];
      expect(firstMention.method).toBe('Node.GetClientAllocs');
      expect(firstListing.response!.last).toBeLessThan(fetch!.request.first);

      const running = rpc.filter(
        (e) =>
          e.method === 'Node.UpdateAlloc' &&
          e.allocs?.some((a) => a.id === run.alloc_id && a.clientStatus === 'running'),
      );
      expect(running.length, `run ${run.run}: UpdateAlloc running`).toBe(1);
      const alloc = running[0].allocs!.find((a) => a.id === run.alloc_id)!;
      const started = Object.values(alloc.taskStates ?? {})
        .flatMap((s) => s.events)
        .find((ev) => ev.type === 'Started');
      expect(started?.timeNs).toMatch(/^\d{19}$/);
    }
  });

  it('keeps the Started task time exact (the client-clock Unix ns in truth-extra.tsv)', async () => {
    const { rpc } = await result;
    const extra = new Map(
      (await import('../../helpers/groundTruth.js'))
        .readTsv(`${capturePath(name).replace(/capture\.pcap.*$/, '')}truth-extra.tsv`)
        .map((r) => [r.alloc_id, r]),
    );
    let checked = 0;
    for (const e of rpc.filter((x) => x.method === 'Node.UpdateAlloc')) {
      for (const a of e.allocs ?? []) {
        if (a.clientStatus !== 'running') continue;
        const ev = Object.values(a.taskStates ?? {})
          .flatMap((s) => s.events)
          .find((x) => x.type === 'Started');
        expect(ev?.timeNs).toBe(extra.get(a.id)?.started_event_time_client_clock_ns);
        checked++;
      }
    }
    expect(checked).toBe(40);
  });

  it("sees one PUT /v1/jobs per run with that run's job id and eval id", async () => {
    const { http } = await result;
    const puts = http.filter((e) => e.route === 'PUT /v1/jobs');
    expect(puts.length).toBe(runs.length);
    expect(puts.map((e) => [e.ids.job, e.ids.eval, e.status])).toEqual(runs.map((r) => [r.job_id, r.eval_id, 200]));
    expect(http.filter((e) => e.route === 'DELETE /v1/job/{id}').map((e) => e.ids.job)).toEqual(
      runs.map((r) => r.job_id),
    );
    const blocking = http.filter((e) => e.route === 'GET /v1/job/{id}/allocations');
    expect(blocking.length).toBeGreaterThan(0);
    expect(blocking.every((e) => e.blocking && !e.route.includes('?'))).toBe(true);
  });

  it('never lets a secret into an event, a VIM message or a warning', async () => {
    const { rpc, http, warnings, ctx } = await result;
    const secrets = secretsOf(name);
    expect(secrets.length).toBe(2);
    const text = JSON.stringify({
      rpc,
      http,
      warnings,
      counters: ctx.counters,
      messages: [...rpc, ...http].map(nomadMessage),
    });
    for (const s of secrets) expect(text.includes(s), `secret ${s.slice(0, 4)}…`).toBe(false);
    // …while the RPC bodies did carry them on the wire (the test can fail).
    expect(text).toContain(runs[0].alloc_id);
  });
});
