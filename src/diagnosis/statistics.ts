/**
 * Small statistics the detectors share: quantiles, ranks, Spearman's correlation with a
 * permutation test (seeded: the same input always gives the same answer), the
 * Kolmogorov–Smirnov test against a uniform distribution, and a ratio-of-means interval.
 */
import { studentTQuantile } from '../stats/studentT.js';

export function mean(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return v.length ? s / v.length : NaN;
}

/** Sample standard deviation (n − 1). */
export function sd(v: readonly number[]): number {
  if (v.length < 2) return 0;
  const m = mean(v);
  let s = 0;
  for (const x of v) s += (x - m) ** 2;
  return Math.sqrt(s / (v.length - 1));
}

/** Linear-interpolation quantile (type 7, as d3 and the stats stage use). */
export function quantile(v: ArrayLike<number>, p: number): number {
  if (v.length === 0) return NaN;
  // A Float64Array sorts numerically without a comparator call or a boxed number per element.
  const s = Float64Array.from(v).sort();
  const i = (s.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}

export const median = (v: ArrayLike<number>): number => quantile(v, 0.5);

export { ascendingOrder } from '../sorted/ascendingOrder.js';

/** Ranks from 1, ties get their average rank. */
export function ranks(v: readonly number[]): number[] {
  const idx = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

export function pearson(x: readonly number[], y: readonly number[]): number {
  const mx = mean(x),
    my = mean(y);
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rank correlation (NaN when either side is constant). */
export const spearman = (x: readonly number[], y: readonly number[]): number => pearson(ranks(x), ranks(y));

/** mulberry32: a small seeded generator, so that permutation tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One-sided permutation p value of Spearman's ρ ≥ observed (ties kept as they are, which
 * the t approximation handles badly at small n).
 */
export function spearmanPermutationP(
  x: readonly number[],
  y: readonly number[],
  permutations = 5000,
  seed = 1,
): number {
  const rx = ranks(x),
    ry = ranks(y);
  const observed = pearson(rx, ry);
  if (!Number.isFinite(observed)) return 1;
  const rnd = seededRandom(seed);
  const perm = [...ry];
  let atLeast = 0;
  for (let k = 0; k < permutations; k++) {
    for (let i = perm.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    if (pearson(rx, perm) >= observed - 1e-12) atLeast++;
  }
  return (atLeast + 1) / (permutations + 1);
}

/** Kolmogorov–Smirnov distance of `v` from the uniform distribution on [0, 1], and its p value. */
export function ksUniform(v: readonly number[]): { d: number; p: number } {
  const n = v.length;
  if (n === 0) return { d: NaN, p: NaN };
  const s = [...v].map((x) => Math.min(1, Math.max(0, x))).sort((a, b) => a - b);
  let d = 0;
  for (let i = 0; i < n; i++) d = Math.max(d, (i + 1) / n - s[i], s[i] - i / n);
  return { d, p: kolmogorovP(d, n) };
}

/** Asymptotic Kolmogorov distribution with Stephens' small-sample correction. */
function kolmogorovP(d: number, n: number): number {
  const sn = Math.sqrt(n);
  const lambda = (sn + 0.12 + 0.11 / sn) * d;
  if (lambda < 0.2) return 1;
  let p = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (k % 2 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    p += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, p));
}

/**
 * Σx / Σy over paired values with a 95% interval by the delta method (the share of a
 * phase in the total, for example).
 */
export function ratioOfMeans(x: readonly number[], y: readonly number[]): { ratio: number; ci95: [number, number] } {
  const n = x.length;
  const my = mean(y);
  const r = mean(x) / my;
  if (n < 2) return { ratio: r, ci95: [r, r] };
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] - r * y[i]) ** 2;
  const se = Math.sqrt(s / (n * (n - 1))) / my;
  const half = studentTQuantile(0.975, n - 1) * se;
  return { ratio: r, ci95: [r - half, r + half] };
}
