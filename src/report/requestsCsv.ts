/** `--format csv`: one row per request, one column per phase (ms), RFC 4180 quoting. */
import type { AnalysisResult } from '../pipeline/types.js';

const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function requestsCsv(result: AnalysisResult): string {
  const phases: string[] = [];
  for (const r of result.requests) for (const p of Object.keys(r.phases)) if (!phases.includes(p)) phases.push(p);
  const head = ['vim', 'id', 'server', 'request', 'job', 'eval', 'alloc', 'complete', ...phases, 'approx', 'missing'];
  const lines = [head.join(',')];
  for (const r of result.requests) {
    const approx = Object.entries(r.phases).filter(([, p]) => p.approx).map(([n]) => n).join(' ');
    lines.push([
      r.vim, r.id, r.keys.server ?? '', r.keys.request ?? '', r.keys.job ?? '', r.keys.eval ?? '', r.keys.alloc ?? '',
      String(r.complete), ...phases.map((p) => (r.phases[p] ? r.phases[p].ms.toFixed(3) : '')), approx, r.missing.join('; '),
    ].map(quote).join(','));
  }
  return lines.join('\n') + '\n';
}
