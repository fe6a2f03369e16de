/**
 * Compute-host logs merged into the timelines of the shared captures: every marker pair
 * becomes a sub-phase of its request, durations as the markers say, and each log host's
 * clock offset recovered from causality alone (the truth is in each capture's truth.json).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import type { AnalysisResult } from '../../src/pipeline/types.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { capturePath, sharedCaptures } from '../helpers/groundTruth.js';
import { tempFile } from '../helpers/captureRecords.js';

const cases = [
  { name: 'nova-seq', log: 'nova-compute.log', host: 'compute1', truthKey: 'compute_clock_offset_ms' },
  { name: 'nova-burst', log: 'nova-compute.log', host: 'compute1', truthKey: 'compute_clock_offset_ms' },
  { name: 'nomad-2016-stock', log: 'nomad-client.log', host: 'compute', truthKey: 'client_clock_offset_ms' },
  { name: 'nomad-2016-tuned', log: 'nomad-client.log', host: 'compute', truthKey: 'client_clock_offset_ms' },
  { name: 'nomad-modern', log: 'nomad-client.log', host: 'compute', truthKey: 'client_clock_offset_ms' },
];

/** Marker pairs straight from the file: id → phase → duration ms (regex, independent of src/logs). */
function markerDurations(file: string): Map<string, Map<string, number>> {
  const begins = new Map<string, bigint>();
  const out = new Map<string, Map<string, number>>();
  const re = /vimts t=(\d+)\.(\d+) id=(\S+) phase=(\S+) edge=(begin|end)/;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    const t = BigInt(m[1]) * 1_000_000_000n + BigInt(m[2].padEnd(9, '0'));
    const key = `${m[3]} ${m[4]}`;
    if (m[5] === 'begin') begins.set(key, t);
    else if (begins.has(key)) {
      const byPhase = out.get(m[3]) ?? out.set(m[3], new Map()).get(m[3])!;
      byPhase.set(m[4], Number(t - begins.get(key)!) / 1e6);
    }
  }
  return out;
}

for (const c of cases) {
  describe(`logs merged: ${c.name}`, () => {
    let result: AnalysisResult;
    let markers: Map<string, Map<string, number>>;
    let trueOffset: number;
    const logPath = resolve(sharedCaptures, c.name, 'logs', c.log);
    beforeAll(async () => {
      // The run's shared analysis with this log: whrLogs and figures read the same.
      result = await analysedCapture(c.name, [logPath]);
      markers = markerDurations(logPath);
      trueOffset = (
        JSON.parse(readFileSync(resolve(sharedCaptures, c.name, 'truth.json'), 'utf8')) as Record<string, number>
      )[c.truthKey];
    });

    it('turns every marker pair of a captured request into its sub-phase, with the marker duration', () => {
      const byId = new Map(result.requests.map((r) => [r.id, r]));
      let pairs = 0;
      for (const [id, phases] of markers) {
        const r = byId.get(id);
        if (!r) continue;
        for (const [phase, ms] of phases) {
          if (phase === 'driver') continue; // the driver phase is the wire's (fetched → Started)
          pairs++;
          expect(r.phases[phase], `${id} ${phase}`).toBeDefined();
          expect(r.phases[phase].source).toBe('log');
          expect(Math.abs(r.phases[phase].ms - ms)).toBeLessThan(0.001);
        }
      }
      expect(pairs).toBeGreaterThanOrEqual(result.requests.filter((r) => r.complete).length * 4);
      expect(result.warnings.filter((w) => w.includes('not merged'))).toEqual([]);
    });

    it('gives each sub-phase mean equal to the mean from the marker lines within 0.1 ms', () => {
      const ids = new Set(result.requests.filter((r) => r.complete).map((r) => r.id));
      const phases = new Set([...markers.values()].flatMap((m) => [...m.keys()]));
      for (const phase of phases) {
        if (phase === 'driver') continue; // the driver phase is the wire's (fetched → Started)
        const fromFile = [...markers].filter(([id, m]) => ids.has(id) && m.has(phase)).map(([, m]) => m.get(phase)!);
        const mean = fromFile.reduce((a, b) => a + b, 0) / fromFile.length;
        const vim = c.name.startsWith('nova') ? 'nova' : 'nomad';
        expect(Math.abs(result.stats[vim][phase].meanMs - mean), phase).toBeLessThan(0.1);
      }
    });

    it(`recovers the log host's clock offset within 5 ms, the uncertainty containing the truth`, () => {
      const est = result.clocks[c.host];
      expect(est, JSON.stringify(result.clocks)).toBeDefined();
      expect(Math.abs(est.offsetMs - trueOffset)).toBeLessThan(5);
      expect(Math.abs(est.offsetMs - trueOffset)).toBeLessThanOrEqual(est.uncertaintyMs + 1e-9);
    });
  });
}

describe('log fixtures', () => {
  it('recovers a known shift of a log within the reported uncertainty', async () => {
    // nova-compute.log of nova-seq with every marker moved 250 ms later: a host whose clock
    // is 250 ms further ahead than the truth says.
    const src = resolve(sharedCaptures, 'nova-seq/logs/nova-compute.log');
    const shifted = readFileSync(src, 'utf8').replace(/vimts t=(\d+)\.(\d+)/g, (_, s: string, f: string) => {
      const ns = BigInt(s) * 1_000_000_000n + BigInt(f.padEnd(9, '0')) + 250_000_000n;
      return `vimts t=${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
    });
    const file = tempFile('shifted-nova-compute.log', new TextEncoder().encode(shifted));
    const r = await analyse(capturePath('nova-seq'), { logFiles: [file] });
    const est = r.clocks.compute1;
    const truth = 21.3 + 250;
    expect(Math.abs(est.offsetMs - truth)).toBeLessThanOrEqual(est.uncertaintyMs);
    expect(r.requests.every((q) => q.phases.spawn !== undefined)).toBe(true);
  });

  it('reports a log of another run as unrelated and merges nothing from it', async () => {
    const other = resolve(sharedCaptures, 'nomad-2016-stock/logs/nomad-client.log');
    const r = await analyse(capturePath('nomad-2016-tuned'), { logFiles: [other] });
    expect(r.warnings.some((w) => w.includes(other) && /names a request in this capture/.test(w))).toBe(true);
    expect(r.requests.some((q) => Object.keys(q.phases).some((p) => p.startsWith('driver.')))).toBe(false);
    expect(r.clocks.compute).toBeUndefined();
  });
});
