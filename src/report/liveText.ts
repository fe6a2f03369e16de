/** What `vim-analyse live` prints as it goes: a line per request handed out, rolling phase summaries. */
import type { ResultRequest } from '../result/types.js';
import type { StatsByVim } from '../stats/types.js';
import { phaseSequences } from './formatResult.js';
import { statsTable } from './summaryText.js';
import { visible } from './visible.js';

/** `nova <id> [INCOMPLETE ]phase=12.3 phase~=4.5 … total=… ms`: `~` marks an approximate phase. */
export function liveRequestLine(r: ResultRequest): string {
  const parts = [...(phaseSequences[r.vim] ?? []), 'total'].map((p) => {
    const phase = r.phases[p];
    return phase ? `${p}=${phase.ms.toFixed(1)}${phase.approx ? '~' : ''}` : `${p}=-`;
  });
  return `${r.vim} ${visible(r.id)} ${r.complete ? '' : 'INCOMPLETE '}${parts.join(' ')} ms`;
}

/** One phase table per VIM, each after a blank line and its name. */
export function liveSummaryTables(stats: StatsByVim): string {
  return Object.entries(stats)
    .map(([vim, s]) => `\n${vim}:\n${statsTable(s, phaseSequences[vim] ?? [], vim)}\n`)
    .join('');
}
