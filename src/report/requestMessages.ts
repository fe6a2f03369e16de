/** The messages that belong to one request: they carry one of its ids, inside its time span. */
import type { MessageLine, ResultRequest } from '../result/types.js';
import { isoToUnixNs } from './isoTime.js';

export function carriesRequest(m: MessageLine, r: ResultRequest): boolean {
  const ids = m.ids ?? {};
  const k = r.keys;
  const server = k.server ?? (r.vim === 'nova' ? r.id : undefined);
  const alloc = k.alloc ?? (r.vim === 'nomad' ? r.id : undefined);
  return (
    (server !== undefined && (ids.server === server || (ids.servers?.includes(server) ?? false))) ||
    (k.request !== undefined && ids.request === k.request) ||
    (k.port !== undefined && (ids.port === k.port || ids.device === `tap${k.port.slice(0, 11)}`)) ||
    (alloc !== undefined && (ids.alloc === alloc || (ids.allocs?.includes(alloc) ?? false))) ||
    (k.eval !== undefined && ids.eval === k.eval) ||
    (k.job !== undefined && ids.job === k.job)
  );
}

/** The request's span [first phase start, last phase end] in Unix ns, or null without phases. */
export function requestSpan(r: ResultRequest): { start: bigint; end: bigint } | null {
  let start: bigint | null = null;
  let end: bigint | null = null;
  for (const p of Object.values(r.phases)) {
    const s = isoToUnixNs(p.start);
    const e = isoToUnixNs(p.end);
    if (s !== null && (start === null || s < start)) start = s;
    if (e !== null && (end === null || e > end)) end = e;
  }
  return start === null || end === null ? null : { start, end };
}

/** Messages of `r` whose first byte falls inside its span, in time order. */
export function messagesOfRequest(r: ResultRequest, messages: readonly MessageLine[]): MessageLine[] {
  const span = requestSpan(r);
  if (!span) return [];
  return messages.filter((m) => {
    if (!carriesRequest(m, r)) return false;
    const t = isoToUnixNs(m.t);
    return t !== null && t >= span.start && t <= span.end;
  });
}
