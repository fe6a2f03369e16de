/**
 * The diagnosis on the shared captures, checked against how each capture was made (its
 * README and ground truth), not against our own output.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import type { ResultDiagnosis } from '../../src/pipeline/types.js';
import { AnalysisSession } from '../../src/pipeline/analysisSession.js';
import { phaseStats } from '../../src/stats/phaseStats.js';
import { nomadPhaseModel, novaPhaseModel } from '../../src/timeline/phaseModel.js';
import { capturePath, readTsv, runsOf, secretsOf, sharedCaptures } from '../helpers/groundTruth.js';
import { resolve } from 'node:path';

const cache = new Map<string, ResultDiagnosis[]>();
async function diagnosisOf(name: string): Promise<ResultDiagnosis[]> {
  if (!cache.has(name)) {
    const session = new AnalysisSession();
    await session.addCapture(capturePath(name));
    const out = session.finish();
    const models = [novaPhaseModel, nomadPhaseModel].filter((m) => out.vims.includes(m.vim));
    cache.set(
      name,
      diagnose({
        requests: out.requests,
        messages: out.messages,
        stats: phaseStats(out.requests),
        sequences: Object.fromEntries(models.map((m) => [m.vim, m.sequence])),
        parents: Object.fromEntries(
          models.map((m) => [
            m.vim,
            Object.fromEntries(m.phases.filter((p) => p.parent).map((p) => [p.name, p.parent!])),
          ]),
        ),
        formatTime: (ns) => out.clock.iso(ns, 9),
      }),
    );
  }
  return cache.get(name)!;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const column = (rows: Record<string, string>[], c: string) => rows.map((r) => Number(r[c]));

describe('diagnosis on the shared captures', () => {
  it('nomad-2016-stock: a 200 ± 5 ms timer on the compute host explains notification', async () => {
    const d = await diagnosisOf('nomad-2016-stock');
    const timers = d.filter((x) => x.kind === 'timer');
    expect(timers.map((t) => [t.phase, t.host])).toEqual([['notification', '10.99.0.2']]);
    expect(Math.abs(timers[0].periodMs! - 200)).toBeLessThanOrEqual(5);
    // Mean wait vs. the truth's notification (Started → UpdateAlloc at the server).
    const truth = mean(
      column(readTsv(resolve(sharedCaptures, 'nomad-2016-stock', 'truth-extra.tsv')), 'true_notification_ms'),
    );
    const ev = timers[0].evidence as { waits: { meanMs: number }; grid: { onGridFraction: number; rayleighR: number } };
    expect(Math.abs(ev.waits.meanMs - truth)).toBeLessThan(5);
    expect(ev.grid.onGridFraction).toBeGreaterThan(0.9);
    expect(d.filter((x) => x.kind === 'batching')).toEqual([]);
  });

  it('nomad-2016-tuned: updates go out at once, no timer for notification, no batching', async () => {
    const d = await diagnosisOf('nomad-2016-tuned');
    expect(d.filter((x) => x.kind === 'timer')).toEqual([]);
    expect(d.filter((x) => x.kind === 'batching')).toEqual([]);
  });

  it('nomad-modern: the client timer (200 ± 5 ms) and the server holding UpdateAlloc replies ~50 ms', async () => {
    const d = await diagnosisOf('nomad-modern');
    const timers = d.filter((x) => x.kind === 'timer');
    expect(timers.map((t) => [t.phase, t.host])).toEqual([['notification', '10.99.0.2']]);
    expect(Math.abs(timers[0].periodMs! - 200)).toBeLessThanOrEqual(5);
    const batching = d.filter((x) => x.kind === 'batching');
    expect(batching.map((b) => [b.host, (b.evidence as { message: string }).message])).toEqual([
      ['10.99.0.1', 'Node.UpdateAlloc'],
    ]);
    expect(Math.abs(batching[0].windowMs! - 50)).toBeLessThan(3);
    // The README's pusher waits for the reply: its t_running − t_submit exceeds the phase total by about the window.
    const runs = runsOf('nomad-modern');
    const pusher = mean(runs.map((r) => Number(BigInt(r.t_running_ns) - BigInt(r.t_submit_ns)) / 1e6));
    const truthTotal = mean(
      column(readTsv(resolve(sharedCaptures, 'nomad-modern', 'truth-extra.tsv')), 'true_total_ms'),
    );
    expect(Math.abs(pusher - truthTotal - batching[0].windowMs!)).toBeLessThan(5);
  });

  it('nomad: the dominant phase is the one with the largest true mean (driver)', async () => {
    const runs = runsOf('nomad-2016-stock');
    const extra = readTsv(resolve(sharedCaptures, 'nomad-2016-stock', 'truth-extra.tsv'));
    const truth = {
      scheduling: mean(column(runs, 'true_sched_ms')),
      driver: mean(column(runs, 'true_driver_ms')),
      notification: mean(column(extra, 'true_notification_ms')),
    };
    const top = Object.entries(truth).sort((a, b) => b[1] - a[1])[0][0];
    const d = (await diagnosisOf('nomad-2016-stock')).filter(
      (x) => x.kind === 'dominant' && (x.evidence as { of: string }).of === 'total',
    );
    expect(d.map((x) => x.phase)).toEqual([top]);
  });

  it('nova-burst: queueing reported, in the phase that holds the build (compute), which truth shows growing under bursts', async () => {
    // Ground truth: nova-compute's build takes far longer in bursts than one at a time.
    const burstBuild = mean(column(runsOf('nova-burst'), 'true_build_ms'));
    const seqBuild = mean(column(runsOf('nova-seq'), 'true_build_ms'));
    expect(burstBuild / seqBuild).toBeGreaterThan(3);
    const q = (await diagnosisOf('nova-burst')).filter((x) => x.kind === 'queueing');
    expect(q.map((x) => x.phase)).toEqual(['compute']);
    const ev = q[0].evidence as { maxInFlight: number; phases: { phase: string; rho: number; significant: boolean }[] };
    expect(ev.maxInFlight).toBe(4);
    expect(ev.phases.find((p) => p.phase === 'compute')!.rho).toBeGreaterThan(0.4);
  });

  it('nova-seq: sequential boots, no queueing, no timer, no batching', async () => {
    const d = await diagnosisOf('nova-seq');
    expect(d.filter((x) => x.kind === 'queueing' || x.kind === 'timer' || x.kind === 'batching')).toEqual([]);
  });

  it('nova-seq: the slowest boot is an outlier because of its 3.5 s Glance lookup inside api', async () => {
    const runs = runsOf('nova-seq');
    const slowest = [...runs].sort((a, b) => Number(b.client_boot_ms) - Number(a.client_boot_ms))[0];
    const o = (await diagnosisOf('nova-seq')).filter((x) => x.kind === 'outlier');
    expect((o[0].evidence as { request: string }).request).toBe(slowest.server_id);
    expect(o[0].phase).toBe('api');
    expect(o[0].text).toMatch(/GET \/v2\/images\/\{id\}/);
  });

  it('no secret reaches a diagnosis', async () => {
    for (const name of ['nomad-2016-stock', 'nomad-modern', 'nova-seq', 'nova-burst']) {
      const text = JSON.stringify(await diagnosisOf(name));
      for (const s of secretsOf(name)) expect(text.includes(s), `${name}: ${s.slice(0, 4)}…`).toBe(false);
    }
  });
});
