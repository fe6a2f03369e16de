/**
 * The polling-loop detector on synthetic boots with a known mechanism: a Neutron agent
 * that scans every 2 s and reports a tap device up after the scan that finds it, against
 * the same boots with scans at random times; and neutron-server's event batching.
 */
import { describe, expect, it } from 'vitest';
import { detectPollingLoops, pollingGates } from '../../src/diagnosis/pollingLoop.js';
import type { DiagnosisContext } from '../../src/diagnosis/types.js';
import type { VimMessage } from '../../src/dissectors/types.js';
import type { RequestTimeline } from '../../src/timeline/types.js';
import { addSubPhase, input, MS, request, rng } from './fixtures.js';

const AGENT = '10.0.0.2:40000';
const BROKER = '10.0.0.4:5672';
const NEUTRON = '10.0.0.5:41000';
const API = '10.0.0.1:8774';

const nova = (
  t: number,
  name: string,
  src: string,
  dst: string,
  type: VimMessage['type'],
  ids: VimMessage['ids'] = {},
): VimMessage => ({ t: Math.round(t), vim: 'nova', type, name, service: 'q-plugin', src, dst, ms: 1, ids });

/**
 * `runs` boots, one every 4–6 s. Each boot's tap device appears 300 ms into
 * spawn.libvirt_spawn; `scanAt(appear)` says when the agent's scan finds it; the report
 * (update_device_up) follows 100–300 ms later and starts vif_plugged.
 */
function boots(
  seed: number,
  scanAt: (appearNs: number) => number,
  opts: { runs?: number; waitMarker?: boolean; batched?: boolean } = {},
) {
  const r = rng(seed);
  const runs = opts.runs ?? 20;
  const requests: RequestTimeline[] = [];
  const messages: VimMessage[] = [];
  let t = 10_000 * MS;
  for (let i = 0; i < runs; i++) {
    t += r.uniform(4000, 6000) * MS;
    const appear = t + 1000 * MS + 300 * MS;
    // Whole ns, as on the wire: the report's time names its message.
    const scan = Math.round(scanAt(appear));
    const report = Math.round(scan + r.uniform(100, 300) * MS);
    const post = Math.round(report + r.uniform(80, 150) * MS);
    const deliver = Math.round(post + r.uniform(20, 60) * MS);
    const before = (report - t) / MS;
    const req = request(
      `server-${i}`,
      t,
      [
        ['api', 100],
        ['compute', before - 100 + 400],
        ['notification', 150],
      ],
      'nova',
    );
    // vif_plugged: report → delivery; libvirt_spawn from 1000 ms into the boot to 30 ms after the delivery.
    req.phases.vif_plugged = {
      ms: (deliver - report) / MS,
      startNs: report,
      endNs: deliver,
      source: 'capture',
      host: '10.0.0.2',
    };
    req.phases['vif_plugged.neutron'] = {
      ms: (post - report) / MS,
      startNs: report,
      endNs: post,
      source: 'capture',
      host: '10.0.0.1',
    };
    const spawnStart = t + 1000 * MS;
    req.phases['spawn.libvirt_spawn'] = {
      ms: (deliver + 30 * MS - spawnStart) / MS,
      startNs: spawnStart,
      endNs: deliver + 30 * MS,
      source: 'log',
      host: 'compute1',
    };
    if (opts.waitMarker)
      addSubPhase(req, 'spawn.vif_plugged_wait', 'spawn.libvirt_spawn', 300, (deliver - appear) / MS);
    requests.push(req);
    messages.push(nova(scan, 'get_devices_details_list', AGENT, BROKER, 'rpc-call'));
    messages.push(nova(report, 'update_device_up', AGENT, BROKER, 'rpc-call'));
    // Scans that found a device going away (deletes), on the same loop, between boots.
    messages.push(nova(scanAt(appear + 2500 * MS), 'update_device_down', AGENT, BROKER, 'rpc-call'));
    const ids =
      opts.batched && i % 2 === 1 ? { servers: [`server-${i - 1}`, `server-${i}`] } : { server: `server-${i}` };
    messages.push({
      ...nova(post, 'POST /v2.1/os-server-external-events', NEUTRON, API, 'http', ids),
      service: 'nova-api',
      type: 'http',
    });
  }
  const inp = input(requests, messages, ['api', 'compute', 'notification'], 'nova');
  const ctx: DiagnosisContext = {
    input: inp,
    time: (ns) => `+${(ns / 1e9).toFixed(6)} s`,
    unixNs: String,
    ref: (i) => ({ msg: i, t: '', tUnixNs: '', name: inp.messages.name(i), src: '', dst: '', ms: null }),
  };
  return ctx;
}

/** The next tick of a 2 s loop (phase 123 ms) after `t`, with 5 ms of jitter. */
const loop = (seed: number) => {
  const r = rng(seed);
  return (t: number) => {
    const p = 2000 * MS;
    const k = Math.ceil((t - 123 * MS) / p);
    return 123 * MS + k * p + r.uniform(0, 5) * MS;
  };
};

describe('polling loops', () => {
  it("names the agent's 2 s loop as what vif_plugged waits for, with the wait measured from the log marker", () => {
    const out = detectPollingLoops(boots(1, loop(2), { waitMarker: true }));
    const loopFinding = out.find((d) => d.kind === 'timer');
    expect(loopFinding).toBeDefined();
    expect(loopFinding!.phase).toBe('vif_plugged');
    expect(loopFinding!.host).toBe('10.0.0.2');
    expect(Math.abs(loopFinding!.periodMs! - 2000)).toBeLessThan(10);
    expect(loopFinding!.text).toMatch(
      /^vif_plugged waits for a ~200\d\.\d ms polling loop on 10\.0\.0\.2 \(neutron agent\)/,
    );
    const ev = loopFinding!.evidence as {
      waits: { exact: boolean; meanMs: number };
      whatIf: { measured: boolean; savingMs: number };
      share: { part: string };
    };
    // Devices appear at random moments: the measured wait is about half the period.
    expect(ev.waits.exact).toBe(true);
    expect(ev.whatIf.measured).toBe(true);
    expect(ev.waits.meanMs).toBeGreaterThan(600);
    expect(ev.waits.meanMs).toBeLessThan(1400);
    expect(ev.whatIf.savingMs).toBeCloseTo(ev.waits.meanMs, 6);
    expect(ev.share.part).toBe('spawn.vif_plugged_wait');
    expect(loopFinding!.text).toMatch(/spawn\.vif_plugged_wait is [\d.]+ ms of spawn\.libvirt_spawn's [\d.]+ ms/);
    expect(loopFinding!.text).toMatch(/had the agent reported each device at once, mean total would be [\d.]+ ms/);
  });

  it('without the wait marker, states the expected half-period wait and bounds it by libvirt_spawn', () => {
    const out = detectPollingLoops(boots(3, loop(4)));
    const f = out.find((d) => d.kind === 'timer')!;
    expect(f).toBeDefined();
    const ev = f.evidence as { whatIf: { measured: boolean; savingMs: number } };
    expect(ev.whatIf.measured).toBe(false);
    expect(ev.whatIf.savingMs).toBeCloseTo(f.periodMs! / 2, 6);
    expect(f.text).toMatch(/from spawn\.libvirt_spawn's start until network-vif-plugged reached the host/);
  });

  it('says nothing when the scans are not on a grid', () => {
    const r = rng(9);
    const out = detectPollingLoops(boots(5, (t) => t + r.uniform(0, 2000) * MS));
    expect(out.filter((d) => d.kind === 'timer')).toEqual([]);
  });

  it('says nothing with too few boots', () => {
    expect(detectPollingLoops(boots(6, loop(7), { runs: 3 }))).toEqual([]);
  });

  it("reports neutron-server's batching when its event POSTs carry several servers, and not otherwise", () => {
    const batched = detectPollingLoops(boots(8, loop(9), { batched: true })).find((d) => d.kind === 'batching');
    expect(batched).toBeDefined();
    expect(batched!.phase).toBe('vif_plugged.neutron');
    expect(batched!.host).toBe('10.0.0.5');
    expect(batched!.text).toMatch(/10 of 20 POSTs carried events for 2–2 servers/);
    expect(detectPollingLoops(boots(8, loop(9))).find((d) => d.kind === 'batching')).toBeUndefined();
  });

  it("is a table: each gate names its phase, its agent's calls and the log phases of the wait", () => {
    for (const g of pollingGates) {
      expect(g.scans.length).toBeGreaterThan(0);
      expect(g.waitFrom.length).toBeGreaterThan(0);
      expect(g.phase).not.toBe('');
    }
  });
});
