/**
 * Real boots' networking on nova-net (real Neutron, libvirt/KVM): the network, image
 * download and vif_plugged phases against the wire milestones its README derived with
 * tshark (truth.json `wire_milestones_ns`), independently of vim-analyse.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import type { AnalysisResult, ResultDiagnosis, ResultRequest } from '../../src/pipeline/types.js';
import { capturePath, isoToNs, runsOf, truthOf, type Row } from '../helpers/groundTruth.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';

interface NetRun {
  server_id: string;
  image_downloaded: number;
  port_id: string;
  wire_milestones_ns: Record<string, number | string>;
}

const TOLERANCE_MS = 0.5;

/** Milliseconds between a phase edge (ISO) and a truth instant (Unix ns). */
const offMs = (iso: string, truthNs: number | string): number => Number(isoToNs(iso) - BigInt(truthNs)) / 1e6;

describe('nova-net: networking, image download and vif_plugged per boot', () => {
  let result: AnalysisResult;
  let runs: NetRun[];
  let rows: Row[];
  const byServer = new Map<string, ResultRequest>();
  beforeAll(async () => {
    result = await analyse(capturePath('nova-net'), {
      logFiles: [`${capturePath('nova-net').replace(/capture\.pcapng\.gz$/, '')}logs/nova-compute.log`],
    });
    runs = truthOf<{ runs: NetRun[] }>('nova-net').runs;
    rows = runsOf('nova-net');
    for (const r of result.requests) byServer.set(r.id, r);
  });

  it('finds every boot complete, with its runs.tsv ids', () => {
    expect(rows.length).toBe(20);
    for (const row of rows) {
      const r = byServer.get(row.server_id);
      expect(r?.complete, row.server_id).toBe(true);
      expect(r!.keys.request).toBe(row.request_id);
    }
  });

  // phase, edge, truth milestone
  const edges: [string, 'start' | 'end', string][] = [
    ['network', 'start', 'port_post'],
    ['network', 'end', 'port_put_end'],
    ['vif_plugged', 'start', 'device_up'],
    ['vif_plugged', 'end', 'eie_deliver'],
    ['vif_plugged.neutron', 'start', 'device_up'],
    ['vif_plugged.neutron', 'end', 'ext_event_post'],
    ['vif_plugged.nova', 'start', 'ext_event_post'],
    ['vif_plugged.nova', 'end', 'eie_deliver'],
  ];
  for (const [phase, edge, milestone] of edges) {
    it(`${phase} ${edge} is the wire's ${milestone} within ${TOLERANCE_MS} ms, in every run`, () => {
      for (const run of runs) {
        const p = byServer.get(run.server_id)!.phases[phase];
        expect(p, `${run.server_id} ${phase}`).toBeDefined();
        expect(
          Math.abs(offMs(p[edge], run.wire_milestones_ns[milestone])),
          `${run.server_id} ${phase} ${edge}`,
        ).toBeLessThan(TOLERANCE_MS);
        expect(p.approx, `${run.server_id} ${phase}`).toBeUndefined();
      }
    });
  }

  it('has image_download exactly in the runs that downloaded their image, on the wire milestones', () => {
    const downloaded = runs.filter((r) => Number(r.image_downloaded) === 1);
    expect(downloaded.length).toBe(4);
    for (const run of runs) {
      const r = byServer.get(run.server_id)!;
      if (Number(run.image_downloaded) === 1) {
        const p = r.phases.image_download;
        expect(p, run.server_id).toBeDefined();
        expect(Math.abs(offMs(p.start, run.wire_milestones_ns.image_get))).toBeLessThan(TOLERANCE_MS);
        expect(Math.abs(offMs(p.end, run.wire_milestones_ns.image_get_end))).toBeLessThan(TOLERANCE_MS);
      } else {
        expect(r.phases.image_download, run.server_id).toBeUndefined();
        expect(r.absent.image_download).toBe('image cached on the compute host');
      }
    }
  });

  it('gives the compute host one clock entry (its log name joined to its address), holding the true offset', () => {
    const truth = truthOf<{ compute_clock_offset_ms: number }>('nova-net').compute_clock_offset_ms;
    const hosts = Object.keys(result.clocks);
    expect(hosts).toEqual(['compute1']);
    const c = result.clocks.compute1;
    expect(c.addresses).toEqual(['10.98.0.2']);
    expect(Math.abs(c.offsetMs - truth)).toBeLessThan(5);
    expect(Math.abs(c.offsetMs - truth)).toBeLessThanOrEqual(c.uncertaintyMs);
    // Both kinds of constraint bounded it: the log markers and the notification timestamps.
    expect(c.source).toMatch(/log markers/);
    expect(c.source).toMatch(/notification timestamps/);
  });

  it("explains vif_plugged by the Neutron agent's ~2 s polling loop on the compute host", () => {
    const loop = result.diagnosis.find(
      (d): d is Extract<ResultDiagnosis, { kind: 'timer' }> => d.kind === 'timer' && d.phase === 'vif_plugged',
    );
    expect(loop, JSON.stringify(result.diagnosis.map((d) => d.text))).toBeDefined();
    expect(loop!.host).toBe('10.98.0.2');
    // The agent's polling_interval is 2 s (README): the fitted grid is that, to 1%.
    expect(Math.abs(loop!.periodMs! - 2000)).toBeLessThan(20);
    expect(loop!.text).toMatch(/^vif_plugged waits for a ~\d{4}\.\d ms polling loop on 10\.98\.0\.2 \(neutron agent\)/);
    // Every boot's report follows a scan on the grid, and the log says how much of libvirt_spawn was the wait.
    const ev = loop!.evidence as { gated: { n: number; of: number }; share: { ratio: number } | null };
    expect(ev.gated).toEqual(expect.objectContaining({ n: 20, of: 20 }));
    expect(ev.share!.ratio).toBeGreaterThan(0.5);
    expect(loop!.text).toMatch(/had the agent reported each device at once, mean total would be/);
  });

  it('nests the networking phases inside compute', () => {
    for (const run of runs) {
      const r = byServer.get(run.server_id)!;
      for (const name of ['network', 'vif_plugged', 'image_download']) {
        const p = r.phases[name];
        if (!p) continue;
        expect(isoToNs(p.start) >= isoToNs(r.phases.compute.start), `${name} starts inside compute`).toBe(true);
        expect(isoToNs(p.end) <= isoToNs(r.phases.compute.end), `${name} ends inside compute`).toBe(true);
      }
    }
  });
});

describe('a boot without a network', () => {
  it('has no networking phases, each absent with the reason (nova-seq boots have no port)', async () => {
    const result = await analysedCapture('nova-seq');
    const complete = result.requests.filter((r) => r.complete);
    expect(complete.length).toBe(30);
    for (const r of complete) {
      for (const name of ['network', 'vif_plugged', 'vif_plugged.neutron', 'vif_plugged.nova']) {
        expect(r.phases[name], `${r.id} ${name}`).toBeUndefined();
        expect(r.absent[name]).toBe('no Neutron port for this server (a boot without a network)');
      }
      expect(r.absent.image_download).toBe('image cached on the compute host');
    }
  });
});
