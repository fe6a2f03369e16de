/**
 * The phase-breakdown chart: one horizontal stacked bar per group (a capture or a
 * configuration), one segment per phase ending at the cumulative mean, and a 95%
 * confidence whisker at each segment's end (half-width of that phase's ci95) — the
 * study's Figures 14–17. Plain SVG: no script, `<title>` tooltips, an accessible name.
 */
import type { PhaseStats } from '../stats/types.js';
import { linearScale } from './linearScale.js';
import { esc, fmtMs, fmtTick, px, textWidth } from './markup.js';
import { phaseColour } from './phaseColours.js';

export interface ChartGroup {
  label: string;
  stats: Record<string, PhaseStats>;
}

export interface PhaseChartOptions {
  /** Overall width in px (default 760). */
  width?: number;
  /** Heading drawn above the bars and used in the accessible name. */
  title?: string;
  /** Height of one bar (default 26). */
  barHeight?: number;
  /** Colour order (default: `phases`), so that several charts agree. */
  colourOrder?: readonly string[];
}

const fontSize = 12;
const font = `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="${fontSize}"`;

/** Black or white text, whichever reads better on this fill. */
function inkOn(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#111' : '#fff';
}

const halfCi = (s: PhaseStats): number => Math.max(0, (s.ci95Ms[1] - s.ci95Ms[0]) / 2);

interface Segment {
  phase: string;
  stats: PhaseStats;
  from: number;
  to: number;
}

function segmentsOf(group: ChartGroup, phases: readonly string[]): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const phase of phases) {
    const s = group.stats[phase];
    if (!s || !Number.isFinite(s.meanMs)) continue;
    const to = at + Math.max(0, s.meanMs);
    out.push({ phase, stats: s, from: at, to });
    at = to;
  }
  return out;
}

export function phaseChartSvg(groups: ChartGroup[], phases: readonly string[], opts: PhaseChartOptions = {}): string {
  const width = opts.width ?? 760;
  const barH = opts.barHeight ?? 26;
  const gap = 14;
  const colours = opts.colourOrder ?? phases;
  const bars = groups.map((g) => ({ group: g, segments: segmentsOf(g, phases) }));

  const labelW = Math.max(48, ...groups.map((g) => textWidth(g.label, fontSize))) + 14;
  const right = 64;
  const top = opts.title ? 30 : 10;
  const max = Math.max(0, ...bars.flatMap((b) => b.segments.map((s) => s.to + halfCi(s.stats))));
  const x = linearScale(max, labelW, width - right);
  const clampX = (v: number): number => Math.min(x(x.domain[1]), Math.max(x(0), x(v)));

  const out: string[] = [];
  const barsBottom = top + bars.length * (barH + gap);

  // Grid and axis first, so bars draw over them.
  const axisY = barsBottom + 2;
  out.push(`<g class="axis" data-axis="x" fill="#333" ${font}>`);
  for (const t of x.ticks) {
    out.push(`<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${top - 4}" y2="${axisY}" stroke="#e3e3e3"/>`);
    out.push(`<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${axisY}" y2="${axisY + 5}" stroke="#333"/>`);
    out.push(`<text x="${px(x(t))}" y="${axisY + 18}" text-anchor="middle">${esc(fmtTick(t))}</text>`);
  }
  out.push(`<line x1="${px(x(0))}" x2="${px(x(x.domain[1]))}" y1="${axisY}" y2="${axisY}" stroke="#333"/>`);
  out.push(
    `<text x="${px((x(0) + x(x.domain[1])) / 2)}" y="${axisY + 34}" text-anchor="middle">time (ms), mean per ` +
      `phase with 95% confidence interval</text>`,
  );
  out.push('</g>');

  bars.forEach(({ group, segments }, gi) => {
    const y = top + gi * (barH + gap);
    const total = segments.length ? segments[segments.length - 1].to : 0;
    out.push(`<g class="bar" data-group="${esc(group.label)}" data-group-index="${gi}">`);
    out.push(
      `<text x="${px(labelW - 8)}" y="${px(y + barH / 2 + 4)}" text-anchor="end" fill="#111" ${font}>` +
        `${esc(group.label)}</text>`,
    );
    for (const s of segments) {
      const fill = phaseColour(s.phase, colours);
      const x0 = x(s.from);
      const w = Math.max(0, x(s.to) - x0);
      const share = total > 0 ? ` (${((100 * s.stats.meanMs) / total).toFixed(0)}% of the bar)` : '';
      const tip =
        `${group.label} — ${s.phase}: mean ${fmtMs(s.stats.meanMs)} ms, 95% CI ` +
        `${fmtMs(s.stats.ci95Ms[0])}–${fmtMs(s.stats.ci95Ms[1])} ms, median ${fmtMs(s.stats.medianMs)} ms, ` +
        `n=${s.stats.n}${share}`;
      out.push(
        `<rect data-phase="${esc(s.phase)}" data-mean="${s.stats.meanMs}" x="${px(x0)}" y="${y}" ` +
          `width="${px(w)}" height="${barH}" fill="${fill}" stroke="#fff" stroke-width="0.5"><title>${esc(tip)}` +
          `</title></rect>`,
      );
      const label = fmtMs(s.stats.meanMs);
      if (w > textWidth(label, 11) + 8) {
        out.push(
          `<text x="${px(x0 + w / 2)}" y="${px(y + barH / 2 + 4)}" text-anchor="middle" fill="${inkOn(fill)}` +
            `" ${font.replace(`${fontSize}"`, '11"')} pointer-events="none">${esc(label)}</text>`,
        );
      }
    }
    // Whiskers after all segments, so a neighbour's fill never hides one.
    for (const s of segments) {
      const h = halfCi(s.stats);
      const cy = y + barH / 2;
      const xa = clampX(s.to - h);
      const xb = clampX(s.to + h);
      out.push(
        `<g data-whisker="${esc(s.phase)}" stroke="#111" stroke-width="1.2"><title>` +
          `${esc(`${s.phase}: 95% CI of the mean ±${fmtMs(h)} ms`)}</title>` +
          `<line x1="${px(xa)}" x2="${px(xb)}" y1="${px(cy)}" y2="${px(cy)}"/>` +
          `<line x1="${px(xa)}" x2="${px(xa)}" y1="${px(cy - 5)}" y2="${px(cy + 5)}"/>` +
          `<line x1="${px(xb)}" x2="${px(xb)}" y1="${px(cy - 5)}" y2="${px(cy + 5)}"/></g>`,
      );
    }
    if (segments.length) {
      const reach = Math.max(...segments.map((s) => s.to + halfCi(s.stats)));
      out.push(
        `<text x="${px(clampX(reach) + 6)}" y="${px(y + barH / 2 + 4)}" fill="#111" ${font}>` +
          `${esc(fmtMs(total))} ms</text>`,
      );
    }
    out.push('</g>');
  });

  // Legend: every phase, in order, wrapped into rows.
  const legendTop = axisY + 48;
  const legend: string[] = [];
  let lx = Math.round(labelW);
  let ly = legendTop;
  for (const phase of phases) {
    const w = 14 + 6 + textWidth(phase, fontSize) + 18;
    if (lx + w > width - 8 && lx > labelW) {
      lx = Math.round(labelW);
      ly += 20;
    }
    legend.push(
      `<g data-legend="${esc(phase)}"><rect x="${px(lx)}" y="${ly}" width="14" height="14" ` +
        `fill="${phaseColour(phase, colours)}"/>` +
        `<text x="${px(lx + 20)}" y="${ly + 11}" fill="#111" ${font}>${esc(phase)}</text></g>`,
    );
    lx += Math.ceil(w); // whole pixels: crisp swatches
  }
  const height = ly + 24;

  const summary = bars
    .map(({ group, segments }) => {
      const total = segments.length ? segments[segments.length - 1].to : 0;
      return (
        `${group.label}: ${fmtMs(total)} ms ` +
        `(${segments.map((s) => `${s.phase} ${fmtMs(s.stats.meanMs)}`).join(', ')})`
      );
    })
    .join('; ');
  const name = `${opts.title ?? 'Phase breakdown'}. Mean time per phase in ms. ${summary}`;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="phase-chart" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(name)}">`,
    `<title>${esc(name)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    opts.title
      ? `<text x="${px(labelW)}" y="18" fill="#111" font-weight="600" ${font.replace(`${fontSize}"`, '14"')}>` +
        `${esc(opts.title)}</text>`
      : '',
    ...out,
    `<g class="legend">`,
    ...legend,
    '</g>',
    '</svg>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}
