import { describe, expect, it } from 'vitest';
import {
  coarsePeriod,
  detectPeriod,
  FIT_BLOCK,
  fitSample,
  MAX_FIT_SENDS,
  MAX_PERIOD_MS,
  MAX_SCAN_GAPS,
  MIN_PERIOD_MS,
  SCAN_STEP,
} from '../../src/diagnosis/periodicity.js';
import { MS, rng } from './fixtures.js';

/** Sends on a grid of `periodMs` (from `phaseMs`), on a random subset of ticks, with jitter. */
function gridTimes(
  seed: number,
  periodMs: number,
  ticks: number,
  opts: { phaseMs?: number; keep?: number; jitterMs?: number } = {},
): number[] {
  const r = rng(seed);
  const out: number[] = [];
  for (let k = 0; k < ticks; k++)
    if (r.uniform() < (opts.keep ?? 0.4))
      out.push((1000 + (opts.phaseMs ?? 37) + k * periodMs + r.normal(0, opts.jitterMs ?? 0.5)) * MS);
  return out;
}

describe('detectPeriod', () => {
  it('finds a 500 ms ticker that skips most ticks (500 ± 10 ms), with its grid phase', () => {
    const fit = detectPeriod(gridTimes(1, 500, 300, { phaseMs: 123 }));
    expect(fit.accepted).toBe(true);
    expect(Math.abs(fit.periodMs - 500)).toBeLessThan(10);
    // Grid points sit at 1123 + k·500 ms.
    const offset = (((fit.gridNs / MS - 1123) % 500) + 500) % 500;
    expect(Math.min(offset, 500 - offset)).toBeLessThan(2);
    expect(fit.onGridFraction).toBeGreaterThan(0.95);
    expect(fit.rayleighR).toBeGreaterThan(0.99);
  });

  it('finds 200 ms and not a sub-multiple (100, 66.7, 50 ms fit the gaps equally well)', () => {
    const fit = detectPeriod(gridTimes(2, 200, 400));
    expect(fit.accepted).toBe(true);
    expect(Math.abs(fit.periodMs - 200)).toBeLessThan(1);
  });

  it('finds 25 ms and 1500 ms tickers (ends of the range)', () => {
    expect(detectPeriod(gridTimes(3, 25, 2000, { jitterMs: 0.2 })).periodMs).toBeCloseTo(25, 1);
    expect(detectPeriod(gridTimes(4, 1500, 120, { keep: 0.6 })).periodMs).toBeCloseTo(1500, 0);
  });

  it('keeps the grid with 10% strays at random times', () => {
    const r = rng(5);
    const times = gridTimes(5, 200, 400);
    const strays = Array.from({ length: Math.round(times.length / 9) }, () => r.uniform(1000, 81000) * MS);
    const fit = detectPeriod([...times, ...strays]);
    expect(fit.accepted).toBe(true);
    expect(Math.abs(fit.periodMs - 200)).toBeLessThan(1);
    expect(fit.onGridFraction).toBeGreaterThan(0.85);
    expect(fit.onGridFraction).toBeLessThan(0.97);
  });

  it('is not thrown off when the very first send is a stray', () => {
    const times = gridTimes(6, 200, 300, { phaseMs: 0 });
    const fit = detectPeriod([times[0] - 90 * MS, ...times]);
    expect(fit.accepted).toBe(true);
    expect(Math.abs(fit.periodMs - 200)).toBeLessThan(1);
    expect(fit.onGridFraction).toBeCloseTo(times.length / (times.length + 1), 6);
  });

  it('rejects uniformly random times, for every seed tried', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const r = rng(100 + seed);
      const n = r.int(20, 300);
      const times = Array.from({ length: n }, () => r.uniform(0, 40_000) * MS);
      const fit = detectPeriod(times);
      expect(fit.accepted, `seed ${seed}: ${fit.periodMs} ms, R ${fit.rayleighR}, on grid ${fit.onGridFraction}`).toBe(
        false,
      );
    }
  });

  it('rejects sends that follow events at once (gaps from a smooth distribution, ≥ 40 ms apart)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(200 + seed);
      let t = 0;
      const times: number[] = [];
      for (let i = 0; i < 120; i++) times.push((t += 40 + r.uniform(0, 700)) * MS);
      expect(detectPeriod(times).accepted, `seed ${seed}`).toBe(false);
    }
  });

  it('rejects a jittery sender that sleeps ~100 ms after each poll (gaps 100 + service time)', () => {
    const r = rng(7);
    let t = 0;
    const times: number[] = [];
    for (let i = 0; i < 300; i++) times.push((t += 100 + Math.abs(r.normal(25, 15))) * MS);
    expect(detectPeriod(times).accepted).toBe(false);
  });

  it('says why when there are too few sends', () => {
    const fit = detectPeriod([0, 200, 400].map((x) => x * MS));
    expect(fit.accepted).toBe(false);
    expect(fit.reason).toMatch(/3 distinct send times/);
  });

  it('fits a bounded sample of a long stream: the work does not grow with every message, the grid is still found', () => {
    // A 20 ms ticker over 2.8 hours, ~200,000 sends: what one host sends in a 1 GB capture.
    const long = gridTimes(11, 20, 500_000, { jitterMs: 0.2 });
    const short = long.slice(0, MAX_FIT_SENDS);
    const cpu = (f: () => void): number => {
      const t0 = process.cpuUsage();
      f();
      const t = process.cpuUsage(t0);
      return t.user + t.system;
    };
    let fit = detectPeriod(short);
    const shortCpu = Math.min(...[0, 1, 2].map(() => cpu(() => detectPeriod(short))));
    const longCpu = Math.min(...[0, 1].map(() => cpu(() => (fit = detectPeriod(long)))));
    expect(long.length).toBeGreaterThan(39 * MAX_FIT_SENDS);
    expect(fit.accepted).toBe(true);
    expect(fit.n).toBe(long.length);
    expect(fit.fitted).toBe(MAX_FIT_SENDS);
    expect(Math.abs(fit.periodMs - 20)).toBeLessThan(0.001);
    expect(fit.onGridFraction).toBeGreaterThan(0.95);
    // 39× the sends; sorting and tick-finding stay linear-ish, the fitting does not grow at all
    // (unbounded, this stream took ~100 passes of 200,000 sends per candidate multiple).
    console.log(
      `detectPeriod cpu: ${short.length} sends ${(shortCpu / 1000).toFixed(0)} ms, ${long.length} sends ${(longCpu / 1000).toFixed(0)} ms`,
    );
    expect(longCpu / shortCpu).toBeLessThan(15);
  });

  it('fits 2 million sends of a 50 ms ticker in about the time of sorting them, to the right period, deterministically', () => {
    // 2,000,000 sends over 28 hours, every tick kept, ±0.3 ms jitter: far more than one host
    // sends in a 1 GB capture.
    const r = rng(12);
    const times = new Float64Array(2_000_000);
    for (let k = 0; k < times.length; k++) times[k] = (1000 + 7 + k * 50 + r.uniform(-0.3, 0.3)) * MS;
    const cpu = (f: () => void): number => {
      const t0 = process.cpuUsage();
      f();
      const t = process.cpuUsage(t0);
      return t.user + t.system;
    };
    // The sample is chosen by rank: the same sends in another order give the same fit.
    const reversed = detectPeriod(Float64Array.from(times).reverse());
    let fit = reversed;
    const fitCpu = Math.min(...[0, 1].map(() => cpu(() => (fit = detectPeriod(times)))));
    // What any fit must do at least: copy and sort the times once.
    const sortCpu = Math.min(...[0, 1, 2].map(() => cpu(() => Float64Array.from(times).sort())));
    console.log(
      `detectPeriod on 2,000,000 sends: ${(fitCpu / 1000).toFixed(0)} ms; sorting them ${(sortCpu / 1000).toFixed(0)} ms`,
    );
    expect(fit.accepted).toBe(true);
    expect(fit.n).toBe(times.length);
    expect(fit.ticks).toBe(times.length);
    expect(fit.fitted).toBe(MAX_FIT_SENDS);
    expect(Math.abs(fit.periodMs - 50)).toBeLessThan(1e-4);
    const offset = (((fit.gridNs / MS - 1007) % 50) + 50) % 50;
    expect(Math.min(offset, 50 - offset)).toBeLessThan(0.1);
    // Beyond the sort (and a few linear passes), the fit reads the bounded sample only.
    expect(fitCpu).toBeLessThan(8 * sortCpu);
    expect(reversed).toEqual(fit);
  });
});

/** The coarse scan as defined: the Rayleigh R of every candidate, computed in full. */
function coarseByDefinition(gapsMs: Float64Array, maxP: number): number | null {
  const step = Math.max(1, Math.floor(gapsMs.length / MAX_SCAN_GAPS));
  const sample = gapsMs.filter((_, i) => i % step === 0);
  const rayleigh = (p: number): number => {
    let c = 0,
      s = 0;
    for (const v of sample) {
      c += Math.cos((2 * Math.PI * v) / p);
      s += Math.sin((2 * Math.PI * v) / p);
    }
    return Math.hypot(c, s) / sample.length;
  };
  const candidates: { p: number; r: number }[] = [];
  for (let p = MIN_PERIOD_MS; p <= maxP; p *= SCAN_STEP) candidates.push({ p, r: rayleigh(p) });
  if (!candidates.length) return null;
  const best = Math.max(...candidates.map((c) => c.r));
  let i = candidates.length - 1;
  while (candidates[i].r < 0.95 * best) i--;
  while (i > 0 && candidates[i - 1].r > candidates[i].r) i--;
  while (i + 1 < candidates.length && candidates[i + 1].r > candidates[i].r) i++;
  return candidates[i].p;
}

describe('coarsePeriod (screened with a table, decided with the exact Rayleigh R)', () => {
  it('chooses exactly the candidate the full scan chooses, on periodic, jittery, random and huge gaps', () => {
    let periodic = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const r = rng(300 + seed);
      const n = r.int(10, 300);
      const periodMs = r.uniform(MIN_PERIOD_MS, 600);
      const kind = seed % 4;
      const gaps = Float64Array.from({ length: n }, () =>
        kind === 0
          ? periodMs * r.int(1, 4) + r.normal(0, r.uniform(0, 0.05) * periodMs)
          : kind === 1
            ? r.uniform(MIN_PERIOD_MS, 3000)
            : kind === 2
              ? periodMs * r.int(1, 3) + r.normal(0, 0.3 * periodMs)
              : // Days apart: many turns of every candidate, where rounding is largest.
                r.uniform(1, 30) * 86_400_000 + periodMs * r.int(0, 5),
      );
      const maxP = r.uniform(MIN_PERIOD_MS, MAX_PERIOD_MS);
      const want = coarseByDefinition(gaps, maxP);
      expect(coarsePeriod(gaps, maxP), `seed ${seed}`).toBe(want);
      if (kind === 0 && want !== null && Math.abs(want / periodMs - Math.round(want / periodMs)) < 0.02) periodic++;
    }
    // The periodic series were found (to a multiple within the scan range): the comparison was not all noise.
    expect(periodic).toBeGreaterThan(2);
  });
});

describe('fitSample', () => {
  it('keeps a short stream whole, and samples a long one in runs of consecutive sends from the first to the last', () => {
    const short = Float64Array.from({ length: MAX_FIT_SENDS }, (_, i) => i);
    expect(fitSample(short)).toBe(short);
    for (const n of [MAX_FIT_SENDS + 1, 50_000, 3_000_000]) {
      const ranks = Float64Array.from({ length: n }, (_, i) => i);
      const sample = fitSample(ranks);
      expect(sample.length).toBeLessThanOrEqual(MAX_FIT_SENDS);
      expect(sample.length).toBeGreaterThan(MAX_FIT_SENDS - FIT_BLOCK);
      expect(sample[0]).toBe(0);
      expect(sample[sample.length - 1]).toBe(n - 1);
      // Runs of FIT_BLOCK consecutive ranks; each jump between runs at most a fixed share of
      // the span already covered (phase connection numbers the ticks across it).
      let runs = 0,
        worst = 0;
      for (let i = 1; i < sample.length; i++) {
        expect(sample[i]).toBeGreaterThan(sample[i - 1]);
        if (sample[i] === sample[i - 1] + 1) continue;
        runs++;
        worst = Math.max(worst, (sample[i] - sample[i - 1]) / sample[i - 1]);
      }
      expect(runs).toBeLessThan(MAX_FIT_SENDS / FIT_BLOCK);
      expect(worst, `n ${n}`).toBeLessThan(0.25);
      // Chosen by rank alone: the same length, the same sample.
      expect(fitSample(Float64Array.from(ranks))).toEqual(sample);
    }
  });
});
