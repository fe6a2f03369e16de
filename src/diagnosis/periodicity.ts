/**
 * Is a stream of send times on a fixed grid (a ticker), and if so which one?
 *
 * A sender on a ticker sends at φ + k·P for some of the ticks k (it skips ticks with
 * nothing to send), with a little jitter. So the gaps between sends are near-multiples
 * of P. Steps:
 *  1. coarse period: the circular (Rayleigh) statistic of the gaps, maximised over
 *     candidate periods; sub-multiples of P fit as well as P, so take the largest
 *     candidate that fits nearly as well as the best one;
 *  2. phase connection: walk the sends in time order, give each its tick number and
 *     refit φ and P by least squares as the span grows (precise to µs over minutes);
 *  3. goodness of fit on the absolute times: Rayleigh R, the fraction of sends within
 *     ±ON_GRID_TOLERANCE of a grid point, and the Rayleigh p value multiplied by the
 *     number of independent frequencies the search could have picked (random times
 *     must not pass).
 */

/** Shortest and longest period looked for, ms. */
export const MIN_PERIOD_MS = 10;
export const MAX_PERIOD_MS = 2000;
/** Fewest sends (distinct ticks) a period is estimated from. */
export const MIN_TICKS = 10;
/** Sends closer than this are taken as the same tick (ms). */
export const SAME_TICK_MS = MIN_PERIOD_MS / 2;
/** A send is on the grid when within this fraction of the period of a grid point. */
export const ON_GRID_TOLERANCE = 0.03;
/** Accept a grid when at least this fraction of the sends is on it… */
export const MIN_ON_GRID_FRACTION = 0.75;
/** …the Rayleigh R of the absolute times reaches this… */
export const MIN_RAYLEIGH_R = 0.7;
/** …and the chance that random times fit as well (Bonferroni over frequencies) is below this. */
export const MAX_FALSE_ALARM = 1e-3;
/** Candidate periods fitting within this fraction of the best are harmonics of the same grid. */
const HARMONIC_FIT = 0.95;
/** The period cannot exceed the shortest gaps between ticks (this quantile, with slack). */
const SHORT_GAP_QUANTILE = 0.05;
const SHORT_GAP_SLACK = 1.03;
/** Step between candidate periods in the coarse scan (ratio). */
const SCAN_STEP = 1.002;
/** Sends whose mean phase anchors the phase connection. */
const START_SENDS = 20;
/** Gaps used by the coarse scan at most (evenly sampled). */
const MAX_SCAN_GAPS = 4000;
/**
 * Sends the grid is fitted and judged on at most (evenly sampled in time order, first and
 * last kept, so the fit spans the whole stream): the fit is a few passes per candidate
 * multiple of the period, which on a 1 GB capture's ticker was every message times up to
 * 200 multiples.
 */
export const MAX_FIT_SENDS = 5000;

export interface PeriodFit {
  accepted: boolean;
  /** Why not, when not accepted. */
  reason?: string;
  /** Sends given and distinct ticks they fall in. */
  n: number;
  /** Sends the grid was fitted and judged on (all of them, up to MAX_FIT_SENDS). */
  fitted: number;
  ticks: number;
  periodMs: number;
  /** A grid point (relative ns): grid = gridNs + k·period. */
  gridNs: number;
  /** Rayleigh R of the absolute times with the fitted period (1 = all exactly on the grid). */
  rayleighR: number;
  /** Fraction of sends within ±3% of the period from a grid point. */
  onGridFraction: number;
  /** Standard deviation of the on-grid sends' offsets from the grid, ms. */
  jitterMs: number;
  /** Rayleigh p value × independent frequencies searched (capped at 1). */
  falseAlarm: number;
}

const TAU = 2 * Math.PI;

/** Rayleigh R of values taken modulo `period`. */
function rayleigh(values: readonly number[], period: number, origin = 0): number {
  let c = 0,
    s = 0;
  for (const v of values) {
    const a = (TAU * (v - origin)) / period;
    c += Math.cos(a);
    s += Math.sin(a);
  }
  return Math.hypot(c, s) / values.length;
}

/** Rayleigh test p value (Zar's approximation), for Z = nR². */
function rayleighP(n: number, r: number): number {
  const z = n * r * r;
  const p = Math.exp(Math.sqrt(1 + 4 * n + 4 * (n * n - z * z)) - (1 + 2 * n));
  return Number.isFinite(p) ? Math.min(1, p) : Math.exp(-z);
}

function quantileOf(v: number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))];
}

/** Step 1: the coarse period from the gaps between ticks, or null. */
function coarsePeriod(gapsMs: number[]): number | null {
  const maxP = Math.min(MAX_PERIOD_MS, quantileOf(gapsMs, SHORT_GAP_QUANTILE) * SHORT_GAP_SLACK);
  if (maxP < MIN_PERIOD_MS) return null;
  const step = Math.max(1, Math.floor(gapsMs.length / MAX_SCAN_GAPS));
  const sample = gapsMs.filter((_, i) => i % step === 0);
  const candidates: { p: number; r: number }[] = [];
  for (let p = MIN_PERIOD_MS; p <= maxP; p *= SCAN_STEP) candidates.push({ p, r: rayleigh(sample, p) });
  if (!candidates.length) return null;
  const best = Math.max(...candidates.map((c) => c.r));
  // The largest period that fits nearly as well: the fundamental, not a sub-multiple.
  let i = candidates.length - 1;
  while (candidates[i].r < HARMONIC_FIT * best) i--;
  // Climb to the local maximum around it.
  while (i > 0 && candidates[i - 1].r > candidates[i].r) i--;
  while (i + 1 < candidates.length && candidates[i + 1].r > candidates[i].r) i++;
  return candidates[i].p;
}

/** Step 2: phase connection — tick numbers and a least-squares grid, refined as the span grows. */
function connect(tMs: number[], periodMs: number): { period: number; origin: number; k: number[] } {
  let period = periodMs;
  // Start from the circular mean phase of the first sends (not from the first send: it may be a stray).
  const head = tMs.slice(0, START_SENDS);
  let c = 0,
    s = 0;
  for (const t of head) {
    c += Math.cos((TAU * (t - tMs[0])) / period);
    s += Math.sin((TAU * (t - tMs[0])) / period);
  }
  let origin = tMs[0] + (Math.atan2(s, c) / TAU) * period;
  const k = new Array<number>(tMs.length);
  let n = 0,
    sk = 0,
    st = 0,
    skk = 0,
    skt = 0;
  for (let i = 0; i < tMs.length; i++) {
    k[i] = Math.round((tMs[i] - origin) / period);
    const resid = tMs[i] - origin - k[i] * period;
    // Sends far off the grid (strays) get a tick number but do not pull the fit.
    if (Math.abs(resid) > ON_GRID_TOLERANCE * period * 3) continue;
    n++;
    sk += k[i];
    st += tMs[i];
    skk += k[i] * k[i];
    skt += k[i] * tMs[i];
    const den = n * skk - sk * sk;
    if (n >= 3 && den > 0) {
      const p = (n * skt - sk * st) / den;
      if (p > 0) {
        const o = (st - p * sk) / n;
        period = p;
        origin = o;
      }
    }
  }
  for (let i = 0; i < tMs.length; i++) k[i] = Math.round((tMs[i] - origin) / period);
  return { period, origin, k };
}

/** Sends within ±ON_GRID_TOLERANCE of a grid point, and their squared offsets. */
function onGridOf(tMs: readonly number[], period: number, origin: number): { count: number; ss: number } {
  let count = 0,
    ss = 0;
  for (const t of tMs) {
    const d = t - origin - Math.round((t - origin) / period) * period;
    if (Math.abs(d) <= ON_GRID_TOLERANCE * period) {
      count++;
      ss += d * d;
    }
  }
  return { count, ss };
}

/** Is this stream of times (relative ns) on a fixed grid? */
export function detectPeriod(timesNs: readonly number[]): PeriodFit {
  const sorted = Float64Array.from(timesNs).sort();
  const all: number[] = Array.from(sorted, (t) => t / 1e6);
  const none = (reason: string, extra: Partial<PeriodFit> = {}): PeriodFit => ({
    accepted: false,
    reason,
    n: all.length,
    fitted: 0,
    ticks: 0,
    periodMs: NaN,
    gridNs: NaN,
    rayleighR: 0,
    onGridFraction: 0,
    jitterMs: NaN,
    falseAlarm: 1,
    ...extra,
  });
  // One time per tick: the first send of each cluster.
  const ticks: number[] = [];
  for (const t of all) if (!ticks.length || t - ticks[ticks.length - 1] >= SAME_TICK_MS) ticks.push(t);
  if (ticks.length < MIN_TICKS)
    return none(`only ${ticks.length} distinct send times (need ${MIN_TICKS})`, { ticks: ticks.length });
  const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
  const coarse = coarsePeriod(gaps);
  if (coarse === null)
    return none(
      `sends as close as ${quantileOf(gaps, SHORT_GAP_QUANTILE).toFixed(1)} ms apart: no period ≥ ` +
        `${MIN_PERIOD_MS} ms fits`,
      { ticks: ticks.length },
    );
  const tMs = evenSample(all, MAX_FIT_SENDS);
  // Strays can make the gaps look finer than the grid (a sub-multiple fits them as well):
  // the period is the largest multiple of the coarse one that keeps the sends on its grid.
  let { period, origin } = connect(tMs, coarse);
  const base = onGridOf(tMs, period, origin).count;
  for (let m = 2; m * coarse <= MAX_PERIOD_MS; m++) {
    const c = connect(tMs, m * coarse);
    if (onGridOf(tMs, c.period, c.origin).count >= HARMONIC_FIT * base) ({ period, origin } = c);
  }
  const r = rayleigh(tMs, period, origin);
  const { count: onGrid, ss } = onGridOf(tMs, period, origin);
  const span = tMs[tMs.length - 1] - tMs[0];
  const frequencies = Math.max(1, span * (1 / MIN_PERIOD_MS - 1 / MAX_PERIOD_MS));
  const fit: PeriodFit = {
    accepted: false,
    n: all.length,
    fitted: tMs.length,
    ticks: ticks.length,
    periodMs: period,
    gridNs: origin * 1e6,
    rayleighR: r,
    onGridFraction: onGrid / tMs.length,
    jitterMs: onGrid > 1 ? Math.sqrt(ss / (onGrid - 1)) : NaN,
    falseAlarm: Math.min(1, rayleighP(tMs.length, r) * frequencies),
  };
  if (fit.onGridFraction < MIN_ON_GRID_FRACTION)
    return {
      ...fit,
      reason: `only ${(100 * fit.onGridFraction).toFixed(0)}% of sends near a ${period.toFixed(1)} ms grid`,
    };
  if (fit.rayleighR < MIN_RAYLEIGH_R) return { ...fit, reason: `Rayleigh R ${r.toFixed(2)} < ${MIN_RAYLEIGH_R}` };
  if (fit.falseAlarm > MAX_FALSE_ALARM)
    return { ...fit, reason: `random times would fit as well (p ${fit.falseAlarm.toExponential(1)})` };
  return { ...fit, accepted: true };
}

/** At most `max` of the sorted values, evenly spaced by rank, the first and last included. */
function evenSample(sorted: number[], max: number): number[] {
  if (sorted.length <= max) return sorted;
  const out = new Array<number>(max);
  const stride = (sorted.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out[i] = sorted[Math.round(i * stride)];
  return out;
}

/** Is `tNs` within ±ON_GRID_TOLERANCE of the period from a point of `fit`'s grid? */
export function onFittedGrid(tNs: number, fit: PeriodFit): boolean {
  const p = fit.periodMs * 1e6;
  const d = tNs - fit.gridNs - Math.round((tNs - fit.gridNs) / p) * p;
  return Math.abs(d) <= ON_GRID_TOLERANCE * p;
}
