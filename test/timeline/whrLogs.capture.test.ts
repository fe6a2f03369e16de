/**
 * The study's own `whr` prints (logs/nova-compute-stdout.log: no instance ids) joined to
 * the requests by time, and checked against the true sub-phase durations in runs.tsv.
 */
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import type { AnalysisResult } from '../../src/pipeline/types.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { capturePath, runsOf, sharedCaptures, type Row } from '../helpers/groundTruth.js';

const truthColumns = [
  ['spawn.create_image', 'true_create_image_ms'],
  ['spawn.generate_xml', 'true_generate_xml_ms'],
  ['spawn.libvirt_spawn', 'true_libvirt_spawn_ms'],
] as const;

interface WhrCounters {
  whrBlocks: number;
  joined: number;
  ambiguous: { block: number; requests: string[] }[];
  crossCheck: { phases: number; maxAbsDiffMs: number } | null;
}
const whrOf = (r: AnalysisResult) => (r.counters.logs as WhrCounters[]).find((l) => l.whrBlocks !== undefined)!;

for (const name of ['nova-seq', 'nova-burst']) {
  describe(`whr prints: ${name}`, () => {
    const stdout = resolve(sharedCaptures, name, 'logs/nova-compute-stdout.log');
    const markers = resolve(sharedCaptures, name, 'logs/nova-compute.log');
    let only: AnalysisResult, both: AnalysisResult, markersOnly: AnalysisResult, runs: Row[];
    beforeAll(async () => {
      runs = runsOf(name);
      only = await analyse(capturePath(name), { logFiles: [stdout] });
      both = await analyse(capturePath(name), { logFiles: [markers, stdout] });
      // The run's shared analysis with the markers' log (mergeLogs reads the same).
      markersOnly = await analysedCapture(name, [markers]);
    });

    it('gives each joined request the three spawn sub-phases within 2 ms of the true durations', () => {
      const byId = new Map(only.requests.map((r) => [r.id, r]));
      let joined = 0;
      for (const run of runs) {
        const r = byId.get(run.server_id)!;
        if (!r.phases['spawn.create_image']) continue;
        joined++;
        for (const [phase, col] of truthColumns) {
          expect(r.phases[phase].source).toBe('log');
          expect(Math.abs(r.phases[phase].ms - Number(run[col])), `${run.run} ${phase}`).toBeLessThan(2);
        }
      }
      const w = whrOf(only);
      expect(w.whrBlocks).toBe(runs.length);
      // Ambiguous blocks are reported, not guessed: at most 2 of 12 in the bursts, none sequentially.
      expect(w.ambiguous.length).toBeLessThanOrEqual(name === 'nova-burst' ? 2 : 0);
      expect(joined).toBe(runs.length - w.ambiguous.length);
    });

    it('lets the vimts markers win when both are given, and reports their agreement within 2 ms', () => {
      const w = whrOf(both);
      expect(w.crossCheck).not.toBeNull();
      expect(w.crossCheck!.phases).toBeGreaterThanOrEqual(runs.length * 3);
      expect(w.crossCheck!.maxAbsDiffMs).toBeLessThan(2);
      // The values are the markers' (9 decimals), not the prints'.
      const fromMarkers = new Map(markersOnly.requests.map((r) => [r.id, r]));
      for (const r of both.requests) {
        for (const phase of ['build', 'spawn', 'spawn.create_image', 'spawn.generate_xml', 'spawn.libvirt_spawn']) {
          expect(r.phases[phase].ms, `${r.id} ${phase}`).toBe(fromMarkers.get(r.id)!.phases[phase].ms);
        }
      }
    });
  });
}
