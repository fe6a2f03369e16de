/**
 * oslo.log lines (Nova, placement, glance…):
 *   2016-06-21 10:00:00.123 1234 INFO nova.compute.manager [None req-… user project - - default default] \
 *     [instance: <uuid>] message
 * The time is wall-clock without a zone: read as UTC unless `utcOffsetMinutes` says otherwise.
 * The context bracket is `[global_request_id request_id user_identity]` (Zed) or
 * `[request_id user_identity]` (older releases). The time and context are read only for lines
 * that make an event (a "Took" line, a marker inside), so a bad date elsewhere goes unnoticed.
 */
import {
  isDigitAt,
  NO_CONTEXT,
  type LineContext,
  type LineFormat,
  type LineParseResult,
  type LineScope,
} from './lineFormat.js';
import { civilToNs, secondsTextToMs } from './time.js';

/** Nova's own timing lines: message → the phase whose duration they report. */
export const NOVA_TOOK_LINES: readonly { pattern: RegExp; phase: string; label: string }[] = [
  {
    pattern: /Took (\d+(?:\.\d+)?) seconds to spawn the instance on the hypervisor/,
    phase: 'spawn',
    label: 'Took N seconds to spawn the instance on the hypervisor',
  },
  {
    pattern: /Took (\d+(?:\.\d+)?) seconds to build instance/,
    phase: 'build',
    label: 'Took N seconds to build instance',
  },
];

/** Nova's line naming the compute node (the host name for the file when no marker names one). */
const NODE_NAME = /Claim successful on node (\S+)/;

/** The head up to the message; the message starts at the match's end. */
const OSLO_HEAD = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))? +\d+ +[A-Z]+ +\S+ +/;
const INSTANCE = /^\[instance: ([0-9a-fA-F-]{36})\]/;
const REQUEST_ID = /^req-[0-9a-fA-F-]{36}$/;

function looksLike(line: string): boolean {
  // `YYYY-MM-DD HH:` — one char test per separator before the regex.
  return (
    line.length > 24 &&
    line.charCodeAt(4) === 0x2d &&
    line.charCodeAt(7) === 0x2d &&
    line.charCodeAt(10) === 0x20 &&
    line.charCodeAt(13) === 0x3a &&
    isDigitAt(line, 0)
  );
}

function parse(line: string, scope: LineScope, hasMarker: boolean): LineParseResult {
  const m = OSLO_HEAD.exec(line);
  if (!m) return undefined;
  const messageAt = m[0].length;
  const took = line.indexOf('Took ', messageAt) >= 0;
  if (!took && !hasMarker) {
    // The only other thing worth reading: the node name, for the host.
    if (line.indexOf('on node ', messageAt) >= 0) {
      const node = NODE_NAME.exec(line)?.[1];
      if (node) scope.hostHint('node', node);
    }
    return NO_CONTEXT;
  }
  let rest = line.slice(messageAt);
  let context: LineContext = NO_CONTEXT;
  if (rest.charCodeAt(0) === 0x5b /* [ */) {
    const close = rest.indexOf(']');
    if (close > 0) {
      context = requestContext(rest.slice(1, close));
      rest = rest.slice(close + 1).trimStart();
    }
  }
  if (!took) return context;
  const row = NOVA_TOOK_LINES.find((r) => r.pattern.test(rest));
  if (!row) return context;
  const frac = m[7] ?? '';
  const timeNs = civilToNs(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], frac, scope.utcOffsetMinutes);
  if (timeNs === undefined) {
    scope.malformed('oslo', 'oslo.log line: date or time out of range');
    return 'malformed';
  }
  const seconds = row.pattern.exec(rest)![1];
  const instance = INSTANCE.exec(rest)?.[1];
  scope.emit({
    timeNs,
    precision: frac.length,
    format: 'oslo',
    phase: row.phase,
    durationMs: secondsTextToMs(seconds),
    label: row.label,
    ...(instance ? { id: instance } : {}),
    ...(context.requestId ? { requestId: context.requestId } : {}),
    ...(context.globalRequestId ? { globalRequestId: context.globalRequestId } : {}),
  });
  return context;
}

/** `None req-A user …` / `req-G req-A user …` / `req-A user …` / `-`. */
function requestContext(bracket: string): LineContext {
  const words = bracket.split(' ', 2);
  const first = words[0];
  const second = words[1];
  if (second !== undefined && REQUEST_ID.test(second)) {
    return REQUEST_ID.test(first) && first !== second
      ? { requestId: second, globalRequestId: first }
      : { requestId: second };
  }
  return REQUEST_ID.test(first) ? { requestId: first } : NO_CONTEXT;
}

export const osloFormat: LineFormat = { format: 'oslo', looksLike, parse };
