/**
 * The main job on the shared Nova captures against their ground truth (runs.tsv):
 * one complete request per boot with the right ids, phases that add up, totals inside
 * what the client measured.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/pipeline/types.js';
import { novaPhaseModel } from '../../src/timeline/phaseModel.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { isoToNs, ns, runsOf, type Row } from '../helpers/groundTruth.js';

for (const name of ['nova-seq', 'nova-burst']) {
  describe(`nova timelines: ${name}`, () => {
    let result: AnalysisResult;
    let runs: Row[];
    beforeAll(async () => {
      result = await analysedCapture(name);
      runs = runsOf(name);
    });

    it('finds one complete request per run, with the server and request ids of runs.tsv', () => {
      expect(result.vims).toEqual(['nova']);
      const complete = result.requests.filter((r) => r.complete);
      expect(complete.length).toBe(runs.length);
      const got = new Map(complete.map((r) => [r.keys.server, r.keys.request]));
      for (const run of runs) expect(got.get(run.server_id)).toBe(run.request_id);
    });

    it('measures every sequential phase, non-negative, adding up to total within 1 ms', () => {
      for (const r of result.requests.filter((x) => x.complete)) {
        let sum = 0;
        for (const p of novaPhaseModel.sequence) {
          expect(r.phases[p], `${r.id} ${p}`).toBeDefined();
          expect(r.phases[p].ms).toBeGreaterThanOrEqual(0);
          sum += r.phases[p].ms;
        }
        expect(Math.abs(sum - r.phases.total.ms)).toBeLessThan(1);
      }
    });

    it('puts each total inside the interval the client observed (POST sent → ACTIVE received)', () => {
      const byId = new Map(result.requests.map((r) => [r.id, r]));
      for (const run of runs) {
        const t = byId.get(run.server_id)!.phases.total;
        expect(isoToNs(t.start) >= ns(run.t_post_ns), `${run.run} start`).toBe(true);
        expect(isoToNs(t.end) <= ns(run.t_active_ns), `${run.run} end`).toBe(true);
        // And close to it: the client's own overhead is a few ms (README: POST frame − t_post ≤ 15 ms).
        expect(Number(ns(run.t_active_ns) - ns(run.t_post_ns)) / 1e6 - t.ms).toBeLessThan(20);
      }
    });

    it("joins each request's Glance image lookup by request id", () => {
      for (const r of result.requests) expect(r.phases.image, r.id).toBeDefined();
    });

    it('gives the api_latency the client saw for the 202', () => {
      const byId = new Map(result.requests.map((r) => [r.id, r]));
      for (const run of runs) {
        const client = Number(ns(run.t_202_ns) - ns(run.t_post_ns)) / 1e6;
        const ours = byId.get(run.server_id)!.phases.api_latency.ms;
        expect(ours).toBeLessThanOrEqual(client);
        expect(client - ours).toBeLessThan(20);
      }
    });

    it('reports statistics with a confidence interval around the mean', () => {
      const s = result.stats.nova.total;
      expect(s.n).toBe(runs.length);
      expect(s.ci95Ms[0]).toBeLessThan(s.meanMs);
      expect(s.ci95Ms[1]).toBeGreaterThan(s.meanMs);
    });
  });
}
