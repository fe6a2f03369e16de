/** The line `vim-analyse figures` prints per chart: the configurations drawn, and why any was left out. */
export interface FigureNoteInput {
  id: string;
  drawn: readonly string[];
  skipped: readonly { label: string; reason: string }[];
}

export function figureNote(f: FigureNoteInput): string {
  const leftOut = f.skipped.length ? ` (left out: ${f.skipped.map((s) => `${s.label}: ${s.reason}`).join('; ')})` : '';
  return `${f.id}: ${f.drawn.join(', ')}${leftOut}`;
}
