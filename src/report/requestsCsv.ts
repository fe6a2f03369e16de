/** `--format csv`: one row per request, one column per phase (ms), RFC 4180 quoting. */
import type { AnalysisResult } from '../result/types.js';
import { csvText, printable } from './visible.js';

// Controls are shown too: a CSV is also read with `cat`.
const quote = (s: string): string => csvText(printable(s));

export function requestsCsv(result: AnalysisResult): string {
  const phases: string[] = [];
  for (const r of result.requests) for (const p of Object.keys(r.phases)) if (!phases.includes(p)) phases.push(p);
  const head = ['vim', 'id', 'server', 'request', 'job', 'eval', 'alloc', 'complete', ...phases, 'approx', 'missing'];
  const lines = [head.join(',')];
  for (const r of result.requests) {
    const approx = Object.entries(r.phases)
      .filter(([, p]) => p.approx)
      .map(([n]) => n)
      .join(' ');
    // Text cells come from the wire; the numbers (a negative one included) are ours.
    lines.push(
      [
        ...[
          r.vim,
          r.id,
          r.keys.server ?? '',
          r.keys.request ?? '',
          r.keys.job ?? '',
          r.keys.eval ?? '',
          r.keys.alloc ?? '',
        ].map(quote),
        String(r.complete),
        ...phases.map((p) => (r.phases[p] ? r.phases[p].ms.toFixed(3) : '')),
        quote(approx),
        quote(r.missing.join('; ')),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
