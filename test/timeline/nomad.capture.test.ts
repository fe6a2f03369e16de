/**
 * The main job on the shared Nomad captures against their ground truth: one complete
 * request per job with the ids of runs.tsv, phases that add up, the scheduling delay the
 * emulated server produced, and the client clock recovered from causality alone.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/pipeline/types.js';
import { nomadPhaseModel } from '../../src/timeline/phaseModel.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { isoToNs, ns, readTsv, runsOf, sharedCaptures, type Row } from '../helpers/groundTruth.js';

for (const name of ['nomad-2016-stock', 'nomad-2016-tuned', 'nomad-modern']) {
  describe(`nomad timelines: ${name}`, () => {
    let result: AnalysisResult;
    let runs: Row[];
    let extra: Map<string, Row>;
    let trueOffsetMs: number;
    beforeAll(async () => {
      result = await analysedCapture(name);
      runs = runsOf(name);
      extra = new Map(readTsv(resolve(sharedCaptures, name, 'truth-extra.tsv')).map((r) => [r.alloc_id, r]));
      trueOffsetMs = (
        JSON.parse(readFileSync(resolve(sharedCaptures, name, 'truth.json'), 'utf8')) as {
          client_clock_offset_ms: number;
        }
      ).client_clock_offset_ms;
    });

    it('finds one complete request per run with its job, eval and alloc ids', () => {
      expect(result.vims).toEqual(['nomad']);
      const complete = result.requests.filter((r) => r.complete);
      expect(complete.length).toBe(runs.length);
      const byAlloc = new Map(complete.map((r) => [r.id, r.keys]));
      for (const run of runs)
        expect(byAlloc.get(run.alloc_id)).toEqual({ alloc: run.alloc_id, job: run.job_id, eval: run.eval_id });
    });

    it('measures every phase non-negative, adding up to total within 1 ms', () => {
      for (const r of result.requests) {
        let sum = 0;
        for (const p of nomadPhaseModel.sequence) {
          expect(r.phases[p].ms, `${r.id} ${p}`).toBeGreaterThanOrEqual(0);
          sum += r.phases[p].ms;
        }
        expect(Math.abs(sum - r.phases.total.ms)).toBeLessThan(1);
        expect(r.phases.driver.source).toBe('client-clock');
      }
    });

    it("puts each total inside the pusher's submit → running interval", () => {
      const byId = new Map(result.requests.map((r) => [r.id, r]));
      for (const run of runs) {
        const t = byId.get(run.alloc_id)!.phases.total;
        expect(isoToNs(t.start) >= ns(run.t_submit_ns)).toBe(true);
        expect(isoToNs(t.end) <= ns(run.t_running_ns)).toBe(true);
      }
    });

    it('matches the scheduling delay the server produced (true_sched_ms) within 1.5 ms per run', () => {
      const byId = new Map(result.requests.map((r) => [r.id, r]));
      const diffs = runs.map((run) => byId.get(run.alloc_id)!.phases.scheduling.ms - Number(run.true_sched_ms));
      for (const d of diffs) expect(Math.abs(d)).toBeLessThan(1.5);
      expect(Math.abs(diffs.reduce((a, b) => a + b, 0) / diffs.length)).toBeLessThan(0.6);
    });

    it('bounds the client clock offset from causality: within 5 ms, uncertainty containing the truth', () => {
      const c = result.clocks['10.99.0.2'];
      expect(c).toBeDefined();
      expect(Math.abs(c.offsetMs - trueOffsetMs)).toBeLessThan(5);
      expect(Math.abs(c.offsetMs - trueOffsetMs)).toBeLessThanOrEqual(c.uncertaintyMs);
    });

    it('gives the notification wait (Started → UpdateAlloc at the server) within the clock uncertainty + 1 ms', () => {
      const c = result.clocks['10.99.0.2'];
      for (const r of result.requests) {
        const truth = Number(extra.get(r.id)!.true_notification_ms);
        expect(Math.abs(r.phases.notification.ms - truth), r.id).toBeLessThan(
          c.uncertaintyMs + Math.abs(c.offsetMs - trueOffsetMs) + 1,
        );
      }
    });
  });
}
