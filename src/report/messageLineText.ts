/** One decoded message as a line of `vim-analyse messages` (text form); wire text made visible. */
import type { MessageLine } from '../result/types.js';
import { printable, visible } from './visible.js';

/** The call's duration, right-aligned; `-` when it has none (a cast, a notification). */
function durationText(ms: number | null): string {
  return ms === null ? '      -' : ms.toFixed(1).padStart(7);
}

/** Where a call through a reverse proxy went, and the time the proxy added. */
function viaText(via: NonNullable<MessageLine['via']>): string {
  return `  via ${via.backend}${via.proxyMs === null ? '' : ` proxy +${via.proxyMs.toFixed(2)} ms`}`;
}

function idsText(ids: MessageLine['ids']): string {
  const pairs = Object.entries(ids).map(([k, v]) => `${k}=${visible(Array.isArray(v) ? v.join(',') : String(v))}`);
  return pairs.length ? `  ${pairs.join(' ')}` : '';
}

export function messageLineText(m: MessageLine): string {
  const columns =
    `${m.t}  ${m.vim.padEnd(5)} ${m.type.padEnd(12)} ${visible(m.service).padEnd(15)} ` +
    `${m.src.padEnd(21)} → ${m.dst.padEnd(21)} ${durationText(m.ms)} ms  ${printable(m.name)}`;
  const status = m.status !== undefined ? ` [${printable(String(m.status))}]` : '';
  return `${columns}${status}${m.leg ? ' (backend leg)' : ''}${m.via ? viaText(m.via) : ''}${idsText(m.ids)}`;
}
