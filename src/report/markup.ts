/** Text that goes into SVG or HTML: escaped once, here, and numbers printed short. */
import { xmlText } from './visible.js';

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for element content and double-quoted attributes; XML-illegal characters shown visibly. */
export function esc(text: string | number): string {
  return xmlText(String(text)).replace(/[&<>"']/g, (c) => entities[c]);
}

/** A coordinate: two decimals are below a pixel's hundredth, and keep files small. */
export function px(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** A duration for people: one decimal below 1000 ms, none above. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return Math.abs(ms) >= 1000 ? Math.round(ms).toString() : ms.toFixed(1);
}

/** Rough width of text in a sans-serif font (no layout engine here): for margins only. */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}

/** A tick label: round numbers as they are (500, not 500.0). */
export function fmtTick(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}
