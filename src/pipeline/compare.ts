/** `vim-analyse compare A B`: the same phases in two configurations, with Welch intervals. */
import type { CaptureSource } from '../capture/readCapture.js';
import { comparePhase } from '../stats/phaseStats.js';
import type { PhaseComparison } from '../stats/types.js';
import { analyse, type AnalyseOptions } from './analyse.js';
import type { ComparisonResult } from '../result/types.js';

export type { ComparisonResult };

export async function compareCaptures(
  a: CaptureSource | CaptureSource[],
  b: CaptureSource | CaptureSource[],
  options: AnalyseOptions & { labels?: [string, string] } = {},
): Promise<ComparisonResult> {
  const ra = await analyse(a, options);
  const rb = await analyse(b, options);
  const comparisons: Record<string, PhaseComparison[]> = {};
  for (const vim of ra.vims.filter((v) => rb.vims.includes(v))) {
    const sa = ra.stats[vim] ?? {}, sb = rb.stats[vim] ?? {};
    const phases = [...Object.keys(sa), ...Object.keys(sb).filter((p) => !(p in sa))];
    comparisons[vim] = phases.map((p) => comparePhase(p, sa[p] ?? null, sb[p] ?? null));
  }
  const label = (s: CaptureSource | CaptureSource[]) => (Array.isArray(s) ? s.map(String).join('+') : String(s));
  return { schema: 'vim-analyse-compare/1', labels: options.labels ?? [label(a), label(b)], comparisons, results: [ra, rb] };
}
