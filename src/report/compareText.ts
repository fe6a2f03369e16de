/** Terminal form of `compare`: phase means side by side, the difference and its Welch 95% CI. */
import type { ComparisonResult } from '../result/types.js';
import { textTable } from './textTable.js';

const f1 = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(1));

export function compareText(c: ComparisonResult): string {
  const out = [`A: ${c.labels[0]}`, `B: ${c.labels[1]}`];
  const vims = Object.keys(c.comparisons);
  if (vims.length === 0) out.push('\nno VIM present in both captures: nothing to compare');
  for (const vim of vims) {
    out.push(`\n${vim}: B − A, Welch's t test (significant: p < 0.05)`);
    out.push(
      textTable(
        [
          { title: 'phase' },
          { title: 'n A', align: 'right' },
          { title: 'mean A', align: 'right' },
          { title: 'n B', align: 'right' },
          { title: 'mean B', align: 'right' },
          { title: 'diff ms', align: 'right' },
          { title: '95% CI', align: 'right' },
          { title: 'p', align: 'right' },
          { title: 'significant' },
        ],
        c.comparisons[vim].map((r) => [
          r.phase,
          r.a?.n ?? 0,
          f1(r.a?.meanMs),
          r.b?.n ?? 0,
          f1(r.b?.meanMs),
          f1(r.diffMs),
          r.ci95Ms ? `${f1(r.ci95Ms[0])}…${f1(r.ci95Ms[1])}` : '-',
          r.p === null ? '-' : r.p < 0.0001 ? '<0.0001' : r.p.toFixed(4),
          r.significant ? 'yes' : 'no',
        ]),
      ),
    );
  }
  return out.join('\n') + '\n';
}
