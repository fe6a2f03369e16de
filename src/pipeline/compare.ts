/** `vim-analyse compare A B`: the same phases in two configurations, with Welch intervals. */
import { captureSourceName, type CaptureSource } from '../capture/readCapture.js';
import { comparePhase } from '../stats/phaseStats.js';
import { roundDurations } from '../stats/roundMs.js';
import type { PhaseComparison } from '../stats/types.js';
import { analyse, type AnalyseOptions } from './analyse.js';
import type { AnalysisResult, ComparisonResult } from '../result/types.js';

export type { ComparisonResult };

export interface CompareOptions extends AnalyseOptions {
  labels?: [string, string];
  /** Options for each side on top of the shared ones (each configuration its own logs, clock offsets…). */
  sides?: [AnalyseOptions, AnalyseOptions];
}

export async function compareCaptures(
  a: CaptureSource | CaptureSource[],
  b: CaptureSource | CaptureSource[],
  options: CompareOptions = {},
): Promise<ComparisonResult> {
  const { labels, sides, ...shared } = options;
  const ra = await analyse(a, { ...shared, ...sides?.[0] });
  const rb = await analyse(b, { ...shared, ...sides?.[1] });
  const label = (s: CaptureSource | CaptureSource[]) => (Array.isArray(s) ? s : [s]).map(captureSourceName).join('+');
  return compareResults(ra, rb, labels ?? [label(a), label(b)]);
}

/** Two results already made, compared phase by phase for each VIM both hold. */
export function compareResults(ra: AnalysisResult, rb: AnalysisResult, labels: [string, string]): ComparisonResult {
  const comparisons: Record<string, PhaseComparison[]> = {};
  for (const vim of ra.vims.filter((v) => rb.vims.includes(v))) {
    const sa = ra.stats[vim] ?? {},
      sb = rb.stats[vim] ?? {};
    const phases = [...Object.keys(sa), ...Object.keys(sb).filter((p) => !(p in sa))];
    comparisons[vim] = phases.map((p) => roundDurations(comparePhase(p, sa[p] ?? null, sb[p] ?? null)));
  }
  return { schema: 'vim-analyse-compare/2', labels, comparisons, results: [ra, rb] };
}
