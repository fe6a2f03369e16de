/** Per-phase statistics over complete requests, with Student-t confidence intervals. */
import { phaseModels, phaseTreeOrder } from '../timeline/phaseModel.js';
import type { PhaseModel } from '../timeline/types.js';
import { deviation, max, mean, median, min, quantileSorted } from 'd3-array';
import { studentTCdf, studentTQuantile } from './studentT.js';
import type { PhaseComparison, PhaseStats, StatsByVim } from './types.js';
import type { RequestTimeline } from '../timeline/types.js';

export function describe(values: number[]): PhaseStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const m = mean(sorted)!;
  const sd = n > 1 ? deviation(sorted)! : 0;
  const half = n > 1 ? studentTQuantile(0.975, n - 1) * (sd / Math.sqrt(n)) : 0;
  return {
    n,
    meanMs: m,
    medianMs: median(sorted)!,
    p90Ms: quantileSorted(sorted, 0.9)!,
    p95Ms: quantileSorted(sorted, 0.95)!,
    sdMs: sd,
    minMs: min(sorted)!,
    maxMs: max(sorted)!,
    ci95Ms: [m - half, m + half],
  };
}

/** Statistics per VIM and phase over the complete requests (the model's tree order, unknown phases last). */
export function phaseStats(requests: readonly RequestTimeline[]): StatsByVim {
  const values = new Map<string, Map<string, number[]>>();
  for (const r of requests) {
    if (!r.complete) continue;
    let byPhase = values.get(r.vim);
    if (!byPhase) values.set(r.vim, (byPhase = new Map<string, number[]>()));
    for (const [name, p] of Object.entries(r.phases)) {
      let v = byPhase.get(name);
      if (!v) byPhase.set(name, (v = []));
      v.push(p.ms);
    }
  }
  const out: StatsByVim = {};
  for (const [vim, byPhase] of values) {
    out[vim] = {};
    const model = (phaseModels as Record<string, PhaseModel | undefined>)[vim];
    const order = model ? phaseTreeOrder(model) : [];
    const names = [...order.filter((n) => byPhase.has(n)), ...[...byPhase.keys()].filter((n) => !order.includes(n))];
    for (const name of names) out[vim][name] = describe(byPhase.get(name)!)!;
  }
  return out;
}

/** Welch's comparison of one phase between two groups (b − a). */
export function comparePhase(phase: string, a: PhaseStats | null, b: PhaseStats | null): PhaseComparison {
  if (!a || !b || a.n < 2 || b.n < 2)
    return {
      phase,
      a,
      b,
      diffMs: a && b ? b.meanMs - a.meanMs : null,
      ci95Ms: null,
      df: null,
      p: null,
      significant: false,
    };
  const va = (a.sdMs * a.sdMs) / a.n,
    vb = (b.sdMs * b.sdMs) / b.n;
  const se = Math.sqrt(va + vb);
  const diff = b.meanMs - a.meanMs;
  if (se === 0)
    return {
      phase,
      a,
      b,
      diffMs: diff,
      ci95Ms: [diff, diff],
      df: null,
      p: diff === 0 ? 1 : 0,
      significant: diff !== 0,
    };
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const half = studentTQuantile(0.975, df) * se;
  const t = diff / se;
  const p = 2 * (1 - studentTCdf(Math.abs(t), df));
  return { phase, a, b, diffMs: diff, ci95Ms: [diff - half, diff + half], df, p, significant: p < 0.05 };
}
