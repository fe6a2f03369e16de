/**
 * The dominant phase: the phase of the sequence with the largest mean, its share of the
 * total with a 95% interval, and the what-if — the mean total had that phase always taken
 * its minimum observed value. Then, inside every phase that has sub-phases, the sub-phase
 * that dominates it (e.g. image creation inside spawn).
 */
import type { ResultDiagnosis } from '../result/types.js';
import type { RequestTimeline } from '../timeline/types.js';
import { mean, ratioOfMeans } from './statistics.js';
import type { Confidence, DiagnosisContext } from './types.js';

/** Fewest requests a share is computed from. */
export const MIN_REQUESTS = 2;
/** A sub-phase is reported as dominating its parent from this share on. */
export const MIN_CHILD_SHARE = 0.5;
/** High confidence: the interval of the share excludes the runner-up's share and n is at least this. */
const HIGH_N = 10;

const f1 = (x: number): string => x.toFixed(1);
const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;

interface Share {
  phase: string;
  n: number;
  ratio: number;
  ci95: [number, number];
  meanPhase: number;
  meanWhole: number;
  minPhase: number;
}

function shareOf(requests: readonly RequestTimeline[], phase: string, whole: string): Share | null {
  const both = requests.filter((r) => r.complete && r.phases[phase] && r.phases[whole]);
  if (both.length < MIN_REQUESTS) return null;
  const x = both.map((r) => r.phases[phase].ms);
  const y = both.map((r) => r.phases[whole].ms);
  const { ratio, ci95 } = ratioOfMeans(x, y);
  return { phase, n: both.length, ratio, ci95, meanPhase: mean(x), meanWhole: mean(y), minPhase: Math.min(...x) };
}

function parentOf(ctx: DiagnosisContext, vim: string, phase: string): string | undefined {
  const given = ctx.input.parents?.[vim]?.[phase];
  if (given) return given;
  const dot = phase.lastIndexOf('.');
  return dot > 0 ? phase.slice(0, dot) : undefined;
}

function statement(
  ctx: DiagnosisContext,
  vim: string,
  top: Share,
  runnerUp: Share | undefined,
  whole: string,
  requests: readonly RequestTimeline[],
): ResultDiagnosis {
  const whatIf = top.meanWhole - top.meanPhase + top.minPhase;
  const separated = !runnerUp || top.ci95[0] > runnerUp.ci95[1];
  const confidence: Confidence = top.n >= HIGH_N && separated ? 'high' : separated ? 'medium' : 'low';
  const slowest = requests
    .filter((r) => r.complete && r.phases[top.phase])
    .sort((a, b) => b.phases[top.phase].ms - a.phases[top.phase].ms)[0];
  const lead = whole === 'total' ? `${top.phase} dominates` : `${top.phase} dominates ${whole}`;
  const text =
    `${lead}: ${f1(top.meanPhase)} ms of ${f1(top.meanWhole)} ms, ${pct(top.ratio)} of ${whole} (95% CI ` +
    `${pct(top.ci95[0])}–${pct(top.ci95[1])}, n=${top.n})` +
    (runnerUp ? `, next ${runnerUp.phase} ${pct(runnerUp.ratio)}` : '') +
    `; had ${top.phase} always taken its minimum ${f1(top.minPhase)} ms, mean ${whole} would be ${f1(whatIf)}` +
    ` ms (−${pct(1 - whatIf / top.meanWhole)}); confidence ${confidence}`;
  return {
    kind: 'dominant',
    phase: top.phase,
    text,
    evidence: {
      confidence,
      vim,
      of: whole,
      n: top.n,
      meanMs: top.meanPhase,
      meanOfWholeMs: top.meanWhole,
      share: top.ratio,
      shareCi95: top.ci95,
      minMs: top.minPhase,
      whatIfMeanOfWholeMs: whatIf,
      runnerUp: runnerUp ? { phase: runnerUp.phase, share: runnerUp.ratio, shareCi95: runnerUp.ci95 } : null,
      slowest: slowest
        ? {
            request: slowest.id,
            ms: slowest.phases[top.phase].ms,
            start: ctx.time(slowest.phases[top.phase].startNs),
            startUnixNs: ctx.unixNs(slowest.phases[top.phase].startNs),
            end: ctx.time(slowest.phases[top.phase].endNs),
            endUnixNs: ctx.unixNs(slowest.phases[top.phase].endNs),
          }
        : null,
    },
  };
}

export function detectDominant(ctx: DiagnosisContext): ResultDiagnosis[] {
  const out: ResultDiagnosis[] = [];
  for (const [vim, sequence] of Object.entries(ctx.input.sequences)) {
    const requests = ctx.input.requests.filter((r) => r.vim === vim);
    const shares = sequence
      .map((p) => shareOf(requests, p, 'total'))
      .filter((s): s is Share => s !== null)
      .sort((a, b) => b.ratio - a.ratio);
    if (shares.length) out.push(statement(ctx, vim, shares[0], shares[1], 'total', requests));

    // Sub-phases: inside each parent present, the child with the largest share.
    const names = new Set(requests.flatMap((r) => Object.keys(r.phases)));
    const children = new Map<string, string[]>();
    for (const name of names) {
      const parent = parentOf(ctx, vim, name);
      if (parent && names.has(parent)) children.set(parent, [...(children.get(parent) ?? []), name]);
    }
    for (const [parent, kids] of children) {
      const ks = kids
        .map((k) => shareOf(requests, k, parent))
        .filter((s): s is Share => s !== null)
        .sort((a, b) => b.ratio - a.ratio);
      if (ks.length && ks[0].ratio >= MIN_CHILD_SHARE) out.push(statement(ctx, vim, ks[0], ks[1], parent, requests));
    }
  }
  return out;
}
