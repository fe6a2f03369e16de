/** Plain-text tables for the terminal: columns padded, numbers right-aligned. */
import { visible } from './visible.js';

export interface Column {
  title: string;
  align?: 'left' | 'right';
}

export function textTable(columns: Column[], rows: (string | number)[][]): string {
  // Cells may hold wire text: a newline or ESC in one must not make rows of its own.
  const cells = rows.map((r) => r.map((c) => visible(String(c))));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const fmt = (vals: string[]) =>
    vals
      .map((v, i) => (columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const lines = [fmt(columns.map((c) => c.title)), fmt(widths.map((w) => '-'.repeat(w)))];
  for (const r of cells) lines.push(fmt(r));
  return lines.join('\n') + '\n';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}
