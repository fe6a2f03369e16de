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
export const SCAN_STEP = 1.002;
/** Sends whose mean phase anchors the phase connection. */
const START_SENDS = 20;
/** Gaps used by the coarse scan at most (evenly sampled). */
export const MAX_SCAN_GAPS = 4000;
/**
 * Sends the grid is fitted and judged on at most: the fit is a few passes per candidate
 * multiple of the period, which on a 1 GB capture's ticker was every message times up to
 * 200 multiples. A longer stream is sampled in runs of FIT_BLOCK consecutive sends
 * (`fitSample`).
 */
export const MAX_FIT_SENDS = 5000;
/**
 * Consecutive sends per run of the sample of a long stream: consecutive, so that a multiple
 * of the period cannot keep every sampled send on its grid (sends a fixed stride apart all
 * sit on the grid of the stride's multiple).
 */
export const FIT_BLOCK = 50;

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
function rayleigh(values: Float64Array, period: number, origin = 0): number {
  let c = 0,
    s = 0;
  for (let i = 0; i < values.length; i++) {
    const a = (TAU * (values[i] - origin)) / period;
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

function quantileOf(v: Float64Array, p: number): number {
  const s = v.slice().sort();
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))];
}

/** Candidate periods of the coarse scan: MIN_PERIOD_MS · SCAN_STEP^k up to MAX_PERIOD_MS. */
const scanPeriods: Float64Array = (() => {
  const out: number[] = [];
  for (let p = MIN_PERIOD_MS; p <= MAX_PERIOD_MS; p *= SCAN_STEP) out.push(p);
  return Float64Array.from(out);
})();

/** Points of the cosine/sine table the coarse scan screens candidates with (a power of 2). */
const SCREEN_TABLE = 4096;
const screenCos = new Float64Array(SCREEN_TABLE),
  screenSin = new Float64Array(SCREEN_TABLE);
for (let j = 0; j < SCREEN_TABLE; j++) {
  screenCos[j] = Math.cos((TAU * j) / SCREEN_TABLE);
  screenSin[j] = Math.sin((TAU * j) / SCREEN_TABLE);
}

/**
 * Rayleigh R of values modulo `period`, each angle taken at the nearest table point: off
 * by at most `screenSlack` from `rayleigh`'s, for a sixth of its cost.
 */
function rayleighScreen(values: Float64Array, period: number): number {
  const perMs = SCREEN_TABLE / period;
  let c = 0,
    s = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] * perMs;
    const j = ((x - Math.floor(x / SCREEN_TABLE) * SCREEN_TABLE + 0.5) | 0) & (SCREEN_TABLE - 1);
    c += screenCos[j];
    s += screenSin[j];
  }
  return Math.hypot(c, s) / values.length;
}

/**
 * How far `rayleighScreen` can be from `rayleigh` for values up to `maxValue`: half a table
 * step of angle (a unit vector moves by at most its angle), plus the rounding of both sides'
 * angles, which grows with the number of turns.
 */
function screenSlack(maxValue: number): number {
  const turns = (maxValue * SCREEN_TABLE) / MIN_PERIOD_MS;
  return (TAU / SCREEN_TABLE) * (0.5 + turns * 2 ** -49) + 1e-12;
}

/**
 * Step 1: the coarse period from the gaps between ticks (at most `maxP`), or null. Every
 * candidate is screened with the table; `rayleigh` proper is computed only where the screen
 * cannot decide (near the best fit, near the harmonic threshold, on the climb), so the
 * choice is exactly the one `rayleigh` on every candidate makes.
 */
export function coarsePeriod(gapsMs: Float64Array, maxP: number): number | null {
  const step = Math.max(1, Math.floor(gapsMs.length / MAX_SCAN_GAPS));
  const sample = new Float64Array(Math.ceil(gapsMs.length / step));
  let maxGap = 0;
  for (let i = 0, j = 0; i < gapsMs.length; i += step) {
    sample[j++] = gapsMs[i];
    maxGap = Math.max(maxGap, Math.abs(gapsMs[i]));
  }
  let count = 0;
  while (count < scanPeriods.length && scanPeriods[count] <= maxP) count++;
  if (!count) return null;
  const slack = screenSlack(maxGap);
  const screened = new Float64Array(count);
  const exact = new Float64Array(count).fill(NaN);
  const r = (k: number): number => (Number.isNaN(exact[k]) ? (exact[k] = rayleigh(sample, scanPeriods[k])) : exact[k]);
  let top = 0;
  for (let k = 0; k < count; k++) top = Math.max(top, (screened[k] = rayleighScreen(sample, scanPeriods[k])));
  // The best fit is among the candidates the screen puts within two slacks of its top.
  let best = 0;
  for (let k = 0; k < count; k++) if (screened[k] >= top - 2 * slack) best = Math.max(best, r(k));
  // The largest period that fits nearly as well: the fundamental, not a sub-multiple.
  const enough = HARMONIC_FIT * best;
  let i = count - 1;
  while (screened[i] + slack < enough || (screened[i] - slack < enough && r(i) < enough)) i--;
  // Climb to the local maximum around it.
  while (i > 0 && r(i - 1) > r(i)) i--;
  while (i + 1 < count && r(i + 1) > r(i)) i++;
  return scanPeriods[i];
}

/** Step 2: phase connection — tick numbers and a least-squares grid, refined as the span grows. */
function connect(tMs: Float64Array, periodMs: number): { period: number; origin: number } {
  let period = periodMs;
  // Start from the circular mean phase of the first sends (not from the first send: it may be a stray).
  const head = Math.min(START_SENDS, tMs.length);
  let c = 0,
    s = 0;
  for (let i = 0; i < head; i++) {
    c += Math.cos((TAU * (tMs[i] - tMs[0])) / period);
    s += Math.sin((TAU * (tMs[i] - tMs[0])) / period);
  }
  let origin = tMs[0] + (Math.atan2(s, c) / TAU) * period;
  let n = 0,
    sk = 0,
    st = 0,
    skk = 0,
    skt = 0;
  for (let i = 0; i < tMs.length; i++) {
    const k = Math.round((tMs[i] - origin) / period);
    const resid = tMs[i] - origin - k * period;
    // Sends far off the grid (strays) get a tick number but do not pull the fit.
    if (Math.abs(resid) > ON_GRID_TOLERANCE * period * 3) continue;
    n++;
    sk += k;
    st += tMs[i];
    skk += k * k;
    skt += k * tMs[i];
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
  return { period, origin };
}

/** Sends within ±ON_GRID_TOLERANCE of a grid point, and their squared offsets. */
function onGridOf(tMs: Float64Array, period: number, origin: number): { count: number; ss: number } {
  let count = 0,
    ss = 0;
  for (let i = 0; i < tMs.length; i++) {
    const d = tMs[i] - origin - Math.round((tMs[i] - origin) / period) * period;
    if (Math.abs(d) <= ON_GRID_TOLERANCE * period) {
      count++;
      ss += d * d;
    }
  }
  return { count, ss };
}

/** Is this stream of times (relative ns) on a fixed grid? */
export function detectPeriod(timesNs: ArrayLike<number>): PeriodFit {
  // Typed arrays throughout: a stream is a copy of 8 bytes a send, not a boxed number each.
  const all = Float64Array.from(timesNs).sort();
  for (let i = 0; i < all.length; i++) all[i] /= 1e6;
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
  const tickTimes = new Float64Array(all.length);
  let ticks = 0;
  for (let i = 0; i < all.length; i++)
    if (ticks === 0 || all[i] - tickTimes[ticks - 1] >= SAME_TICK_MS) tickTimes[ticks++] = all[i];
  if (ticks < MIN_TICKS) return none(`only ${ticks} distinct send times (need ${MIN_TICKS})`, { ticks });
  const gaps = new Float64Array(ticks - 1);
  for (let i = 1; i < ticks; i++) gaps[i - 1] = tickTimes[i] - tickTimes[i - 1];
  const shortGap = quantileOf(gaps, SHORT_GAP_QUANTILE);
  const maxP = Math.min(MAX_PERIOD_MS, shortGap * SHORT_GAP_SLACK);
  const coarse = maxP < MIN_PERIOD_MS ? null : coarsePeriod(gaps, maxP);
  if (coarse === null)
    return none(`sends as close as ${shortGap.toFixed(1)} ms apart: no period ≥ ${MIN_PERIOD_MS} ms fits`, { ticks });
  const tMs = fitSample(all);
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
    ticks,
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

/**
 * The sends a long stream's grid is fitted on: MAX_FIT_SENDS / FIT_BLOCK runs of FIT_BLOCK
 * consecutive sends, the first run at the start, the last at the end, the gaps between runs
 * growing geometrically (each a fixed fraction of the span already covered). Phase
 * connection numbers the ticks of each run from the period fitted on the ones before, so a
 * gap must stay small against that span; evenly spaced runs would put the first gap at
 * thousands of ticks. Chosen by rank alone: the same sends always give the same sample.
 */
export function fitSample(sorted: Float64Array): Float64Array {
  const n = sorted.length;
  if (n <= MAX_FIT_SENDS) return sorted;
  const runs = Math.floor(MAX_FIT_SENDS / FIT_BLOCK);
  const last = n - FIT_BLOCK;
  // The growth ρ that puts the last run at the end: FIT_BLOCK · (ρ^(runs−1) − 1) / (ρ − 1) = last.
  const reach = (rho: number): number => (FIT_BLOCK * (rho ** (runs - 1) - 1)) / (rho - 1);
  let lo = 1 + 1e-9,
    hi = 2;
  for (let k = 0; k < 100; k++) {
    const mid = (lo + hi) / 2;
    if (reach(mid) < last) lo = mid;
    else hi = mid;
  }
  const out = new Float64Array(runs * FIT_BLOCK);
  let used = 0,
    next = 0;
  for (let j = 0; j < runs; j++) {
    const planned = j === runs - 1 ? last : Math.min(last, Math.round((FIT_BLOCK * (lo ** j - 1)) / (lo - 1)));
    const start = Math.max(next, planned);
    for (let i = start; i < Math.min(n, start + FIT_BLOCK); i++) out[used++] = sorted[i];
    next = start + FIT_BLOCK;
  }
  return out.subarray(0, used);
}

/** Is `tNs` within ±ON_GRID_TOLERANCE of the period from a point of `fit`'s grid? */
export function onFittedGrid(tNs: number, fit: PeriodFit): boolean {
  const p = fit.periodMs * 1e6;
  const d = tNs - fit.gridNs - Math.round((tNs - fit.gridNs) / p) * p;
  return Math.abs(d) <= ON_GRID_TOLERANCE * p;
}
