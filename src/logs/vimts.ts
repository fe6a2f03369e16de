/**
 * `vimts` markers (DESIGN.md "Timestamp markers"), anywhere in a line:
 *   vimts t=<unix seconds, 6 to 9 decimals> id=<instance uuid | alloc id> phase=<name> edge=<begin|end> [host=<name>]
 * Keys may come in any order; unknown keys are ignored so the format can grow.
 */
import type { LineContext, LineScope } from './lineFormat.js';
import { decimalSecondsToNs } from './time.js';

/** What makes a line worth the marker regex (the logger name `nova.compute.vimts` alone is not). */
export const VIMTS_PREFILTER = 'vimts t=';

/** The marker's key=value run; values stop at whitespace or a quote (markers inside JSON strings). */
const MARKER = /vimts((?:[ \t]+[A-Za-z_]+=[^\s"']*)+)/y;
const PAIR = /([A-Za-z_]+)=([^\s"']*)/g;
const EDGES: ReadonlySet<string> = new Set(['begin', 'end']);

/**
 * Parse the marker starting at `at` (the index of `vimts t=`). Emits one event or reports the
 * line malformed; returns whether it emitted.
 */
export function parseVimtsMarker(line: string, at: number, scope: LineScope, context: LineContext): boolean {
  MARKER.lastIndex = at;
  const m = MARKER.exec(line);
  if (!m) {
    scope.malformed('vimts', 'vimts marker without key=value fields');
    return false;
  }
  let t: string | undefined;
  let id: string | undefined;
  let phase: string | undefined;
  let edge: string | undefined;
  let host: string | undefined;
  for (const p of m[1].matchAll(PAIR)) {
    switch (p[1]) {
      case 't':
        t = p[2];
        break;
      case 'id':
        id = p[2];
        break;
      case 'phase':
        phase = p[2];
        break;
      case 'edge':
        edge = p[2];
        break;
      case 'host':
        host = p[2];
        break;
      default:
        break; // a field from a newer writer
    }
  }
  const time = t === undefined ? undefined : decimalSecondsToNs(t);
  if (!time) return bad(scope, 't= is not unix seconds with at most 9 decimals');
  if (!id) return bad(scope, 'id= missing');
  if (!phase) return bad(scope, 'phase= missing');
  if (edge === undefined || !EDGES.has(edge)) return bad(scope, 'edge= is not begin or end');
  if (host) scope.hostHint('marker', host);
  scope.emit({
    timeNs: time.ns,
    precision: time.precision,
    format: 'vimts',
    id,
    phase,
    edge: edge as 'begin' | 'end',
    ...(host ? { host } : {}),
    ...(context.requestId ? { requestId: context.requestId } : {}),
    ...(context.globalRequestId ? { globalRequestId: context.globalRequestId } : {}),
  });
  return true;
}

function bad(scope: LineScope, message: string): false {
  scope.malformed('vimts', `vimts marker: ${message}`);
  return false;
}
