/**
 * Finding the next message boundary after a gap or garbage: a request line
 * `METHOD SP target SP HTTP/1.x` (client side) or a status line `HTTP/1.x NNN` (server
 * side) at the start of a line. Only line starts are tried, so the scan costs one
 * `indexOf` per line, not work per byte.
 */

/** Methods accepted when resynchronising (a strict parse accepts any token). */
export const RESYNC_METHODS: ReadonlySet<string> = new Set([
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE',
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH',
]);

/** Longest request line we wait for while resynchronising. */
export const MAX_RESYNC_LINE = 8192;
const MAX_METHOD = 10;

type Match = 'yes' | 'no' | 'more';

function matchStatusLine(buf: Buffer, p: number): Match {
  const want = 'HTTP/1.';
  for (let k = 0; k < 12; k++) {
    const c = buf[p + k];
    if (c === undefined) return 'more';
    if (k < 7 ? c !== want.charCodeAt(k) : k === 7 || k >= 9 ? c < 48 || c > 57 : c !== 32) return 'no';
  }
  return 'yes';
}

function matchRequestLine(buf: Buffer, p: number): Match {
  let i = p;
  while (i < buf.length && i - p <= MAX_METHOD && buf[i] >= 65 && buf[i] <= 90) i++;
  if (i === buf.length) return i - p <= MAX_METHOD ? 'more' : 'no';
  if (i === p || buf[i] !== 32 || !RESYNC_METHODS.has(buf.toString('latin1', p, i))) return 'no';
  const lf = buf.indexOf(10, i);
  if (lf < 0) return buf.length - p < MAX_RESYNC_LINE ? 'more' : 'no';
  if (lf - p > MAX_RESYNC_LINE) return 'no';
  const end = buf[lf - 1] === 13 ? lf - 1 : lf;
  // `SP HTTP/1.d` at the end, a target without spaces in between
  if (end - i < 11 || buf.toString('latin1', end - 9, end - 1) !== ' HTTP/1.') return 'no';
  const d = buf[end - 1];
  if (d < 48 || d > 57) return 'no';
  for (let j = i + 1; j < end - 9; j++) if (buf[j] <= 32) return 'no';
  return 'yes';
}

export type ScanResult =
  /** A message starts at `at`. */
  | { found: true; at: number }
  /** None yet; bytes from `keepFrom` (or none, when -1) may begin one: keep them. */
  | { found: false; keepFrom: number; atLineStart: boolean };

/**
 * Scan buf[from…] for a message start. `atLineStart` says whether buf[from] begins a
 * line (true right after a gap: the bytes may resume exactly at a message).
 */
export function scanForMessage(buf: Buffer, from: number, atLineStart: boolean, isRequest: boolean): ScanResult {
  let p = from;
  if (!atLineStart) {
    const lf = buf.indexOf(10, p);
    if (lf < 0) return { found: false, keepFrom: -1, atLineStart: false };
    p = lf + 1;
  }
  for (;;) {
    if (p >= buf.length) return { found: false, keepFrom: -1, atLineStart: true };
    const m = isRequest ? matchRequestLine(buf, p) : matchStatusLine(buf, p);
    if (m === 'yes') return { found: true, at: p };
    if (m === 'more') return { found: false, keepFrom: p, atLineStart: true };
    const lf = buf.indexOf(10, p);
    if (lf < 0) return { found: false, keepFrom: -1, atLineStart: false };
    p = lf + 1;
  }
}
