/**
 * Queueing under concurrency: when requests overlap, does a phase take longer the more
 * requests are in flight when it starts? Spearman's ρ between the phase's duration and
 * the number of requests in flight at its start, with a seeded permutation test and
 * Holm's correction over the phases tested; of the phases that grow significantly, the
 * one whose mean grows by the most milliseconds absorbs the queueing. Sequential runs (never more than one request in
 * flight) say
 * nothing.
 */
import type { ResultDiagnosis } from '../result/types.js';
import type { RequestTimeline } from '../timeline/types.js';
import { mean, spearman, spearmanPermutationP } from './statistics.js';
import { firstAbove } from '../sorted/sortedSearch.js';
import type { Confidence, DiagnosisContext } from './types.js';

/** Fewest requests with the phase for a correlation. */
export const MIN_REQUESTS = 8;
/** Smallest correlation called queueing. */
export const MIN_RHO = 0.4;
/**
 * Family-wise error rate over the phases tested (Holm's step-down): at most this chance
 * that a run without queueing gets a queueing statement.
 */
export const ALPHA = 0.1;
/** Below this p value (and with n ≥ HIGH_N) the statement is high confidence. */
const HIGH_P = 0.005;
const HIGH_N = 20;
const PERMUTATIONS = 5000;

const f1 = (x: number): string => x.toFixed(1);

/** The interval a request is in flight: its first milestone to its last. */
function span(r: RequestTimeline): [number, number] {
  if (r.phases.total) return [r.phases.total.startNs, r.phases.total.endNs];
  const v = Object.values(r.phases);
  return [Math.min(r.startNs, ...v.map((p) => p.startNs)), Math.max(...v.map((p) => p.endNs))];
}

interface PhaseQueueing {
  phase: string;
  n: number;
  rho: number;
  p: number;
  /** Holm-adjusted p value (over the phases tested). */
  adjustedP: number;
  /** Mean duration when the fewest requests were in flight, and overall. */
  baselineMs: number;
  baselineInFlight: number;
  meanMs: number;
  excessMs: number;
  byInFlight: Record<string, { n: number; meanMs: number }>;
}

/** Holm's step-down adjustment, in place. */
function holm(results: PhaseQueueing[]): void {
  const order = [...results].sort((a, b) => a.p - b.p);
  let running = 0;
  order.forEach((r, j) => {
    running = Math.max(running, Math.min(1, r.p * (order.length - j)));
    r.adjustedP = running;
  });
}

/**
 * Requests in flight at t (start ≤ t < end), by binary search: started by t minus ended by
 * t. Counting every span per query was requests² per phase (8 s of 12 on 14,400 requests).
 * Empty or reversed spans are never in flight and are left out of both counts.
 */
function inFlightCounter(spans: [number, number][]): (t: number) => number {
  const kept = spans.filter(([s, e]) => s < e);
  const starts = Float64Array.from(kept, ([s]) => s).sort();
  const ends = Float64Array.from(kept, ([, e]) => e).sort();
  return (t) => firstAbove(starts, t) - firstAbove(ends, t);
}

export function detectQueueing(ctx: DiagnosisContext): ResultDiagnosis[] {
  const out: ResultDiagnosis[] = [];
  for (const [vim, sequence] of Object.entries(ctx.input.sequences)) {
    const requests = ctx.input.requests.filter((r) => r.vim === vim && Object.keys(r.phases).length > 0);
    const inFlightAt = inFlightCounter(requests.map(span));
    const results: PhaseQueueing[] = [];
    for (const phase of sequence) {
      const rs = requests.filter((r) => r.phases[phase]);
      if (rs.length < MIN_REQUESTS) continue;
      const load = rs.map((r) => inFlightAt(r.phases[phase].startNs));
      const d = rs.map((r) => r.phases[phase].ms);
      if (Math.max(...load) === Math.min(...load)) continue;
      const rho = spearman(load, d);
      if (!Number.isFinite(rho)) continue;
      const p = spearmanPermutationP(load, d, PERMUTATIONS, 1);
      const byInFlight: PhaseQueueing['byInFlight'] = {};
      for (const k of [...new Set(load)].sort((a, b) => a - b)) {
        const v = d.filter((_, i) => load[i] === k);
        byInFlight[k] = { n: v.length, meanMs: mean(v) };
      }
      const minLoad = Math.min(...load);
      const baseline = byInFlight[minLoad].meanMs;
      results.push({
        phase,
        n: rs.length,
        rho,
        p,
        adjustedP: 1,
        baselineMs: baseline,
        baselineInFlight: minLoad,
        meanMs: mean(d),
        excessMs: mean(d) - baseline,
        byInFlight,
      });
    }
    holm(results);
    const isSignificant = (r: PhaseQueueing): boolean => r.rho >= MIN_RHO && r.adjustedP < ALPHA;
    const significant = results.filter(isSignificant).sort((a, b) => b.excessMs - a.excessMs);
    if (!significant.length) continue;
    const top = significant[0];
    const maxInFlight = Math.max(
      ...requests.map((r) => inFlightAt(span(r)[0])),
      ...results.flatMap((r) => Object.keys(r.byInFlight).map(Number)),
    );
    const confidence: Confidence =
      top.adjustedP < HIGH_P && top.n >= HIGH_N ? 'high' : top.adjustedP < HIGH_P || top.n >= HIGH_N ? 'medium' : 'low';
    const levels = Object.entries(top.byInFlight)
      .map(([k, v]) => `${k} in flight: ${f1(v.meanMs)} ms (n=${v.n})`)
      .join(', ');
    const also = significant.slice(1).map((r) => `${r.phase} (ρ ${r.rho.toFixed(2)}, +${f1(r.excessMs)} ms)`);
    const text =
      `queueing: up to ${maxInFlight} requests overlap, and ${top.phase} grows with the number in flight at ` +
      `its start ` +
      `(Spearman ρ ${top.rho.toFixed(2)}, permutation p ${top.p.toFixed(3)}, ${top.adjustedP.toFixed(3)} ` +
      `adjusted for ${results.length} phases tested, n=${top.n}; ${levels}); ` +
      `${top.phase} absorbs most of it (+${f1(top.excessMs)} ms over its mean with ${top.baselineInFlight} in flight)` +
      (also.length ? `; also ${also.join(', ')}` : '') +
      `; confidence ${confidence}`;
    out.push({
      kind: 'queueing',
      phase: top.phase,
      text,
      evidence: {
        confidence,
        vim,
        maxInFlight,
        measure: 'requests in flight (first milestone to last) at the phase start',
        alpha: ALPHA,
        phases: results.map((r) => ({
          phase: r.phase,
          n: r.n,
          rho: r.rho,
          p: r.p,
          adjustedP: r.adjustedP,
          significant: isSignificant(r),
          meanMs: r.meanMs,
          baselineMs: r.baselineMs,
          excessMs: r.excessMs,
          byInFlight: r.byInFlight,
        })),
        longest: requests
          .filter((r) => r.phases[top.phase])
          .sort((a, b) => b.phases[top.phase].ms - a.phases[top.phase].ms)
          .slice(0, 3)
          .map((r) => ({
            request: r.id,
            ms: r.phases[top.phase].ms,
            start: ctx.time(r.phases[top.phase].startNs),
            startUnixNs: ctx.unixNs(r.phases[top.phase].startNs),
            inFlight: inFlightAt(r.phases[top.phase].startNs),
          })),
      },
    });
  }
  return out;
}
