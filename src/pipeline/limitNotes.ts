/**
 * What the session says when a limit cut something: the requests in flight when a limit was
 * hit get a note, and a warning names them; a full message log names the requests the
 * diagnosis and `messages` see only in part.
 */
import type { RequestTimeline } from '../timeline/types.js';

/** A limit a stage hit, at capture time `ts` (session ns). */
export interface LimitHit {
  ts: number;
  limit: string;
  message: string;
}

/** The last phase end of a request (its start when it has no phase). */
function requestEnd(r: RequestTimeline): number {
  return Math.max(...Object.values(r.phases).map((p) => p.endNs), r.startNs);
}

/** Notes each hit on the requests in flight then; returns one warning per hit. */
export function noteLimitHits(
  requests: readonly RequestTimeline[],
  hits: readonly LimitHit[],
  iso: (ns: number) => string,
): string[] {
  return hits.map((hit) => {
    const inFlightThen = requests.filter((r) => r.startNs <= hit.ts && hit.ts <= requestEnd(r));
    for (const r of inFlightThen) r.notes.push(`${hit.limit} limit hit during this request: ${hit.message}`);
    const hitIds = inFlightThen.map((r) => r.id);
    const inFlight = hitIds.length
      ? `requests in flight then (${hitIds.join(', ')}) may be incomplete or approx`
      : 'no request was in flight';
    return `${hit.limit} limit hit at ${iso(hit.ts)}: ${inFlight}`;
  });
}

/** The message log was full from `from` on: which requests the diagnosis and `messages` see only in part. */
export function droppedMessagesWarning(
  requests: readonly RequestTimeline[],
  from: number,
  log: { limit: number; dropped: number },
  iso: (ns: number) => string,
): string {
  const after = requests.filter((r) => requestEnd(r) >= from).map((r) => r.id);
  const named = after.length > 20 ? `${after.slice(0, 20).join(', ')} and ${after.length - 20} more` : after.join(', ');
  return (
    `message limit (${log.limit}) reached at ${iso(from)}: ${log.dropped} later messages not kept for the ` +
    `diagnosis and \`messages\` (raise it: maxMessages, --max-messages); ` +
    (after.length ? `requests seen only in part there: ${named}` : 'no request was in flight or later')
  );
}
