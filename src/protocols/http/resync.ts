/**
 * Finding the next message boundary after a gap or garbage: a request line
 * `METHOD SP target SP HTTP/1.x` (client side) or a status line `HTTP/1.x NNN` (server
 * side). Only places holding `HTTP/1.` are examined, so the scan is one `indexOf` per
 * candidate, not work per byte.
 */

/** Methods accepted when resynchronising (a strict parse accepts any token). */
export const RESYNC_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'CONNECT',
  'TRACE',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'REPORT',
  'SEARCH',
]);

/** Longest request line we wait for while resynchronising. */
export const MAX_RESYNC_LINE = 8192;
const MAX_METHOD = 10;

const VERSION = Buffer.from('HTTP/1.');
const SP = 32;

type Match = { kind: 'yes' | 'more'; at: number } | { kind: 'no' };

const isUpper = (c: number | undefined): boolean => c !== undefined && c >= 65 && c <= 90;
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

/** `HTTP/1.d NNN` at h. */
function statusLineAt(buf: Buffer, h: number): Match {
  if (h + 12 > buf.length) return { kind: 'more', at: h };
  const ok =
    isDigit(buf[h + 7]) && buf[h + 8] === SP && isDigit(buf[h + 9]) && isDigit(buf[h + 10]) && isDigit(buf[h + 11]);
  return ok ? { kind: 'yes', at: h } : { kind: 'no' };
}

/** A request line `METHOD SP target SP HTTP/1.d CRLF` whose version starts at h. */
function requestLineAround(buf: Buffer, h: number, from: number): Match {
  if (h - 1 <= from || buf[h - 1] !== SP) return { kind: 'no' };
  // back over the target (no spaces or controls) to the space before it
  let q = h - 2;
  while (q >= from && buf[q] > SP && buf[q] < 127 && h - q < MAX_RESYNC_LINE) q--;
  if (q < from || q === h - 2 || buf[q] !== SP) return { kind: 'no' };
  // back over the method; the bytes before it may be anything (e.g. the end of a body)
  let s = q;
  while (s > from && q - s < MAX_METHOD && isUpper(buf[s - 1])) s--;
  let at = -1;
  for (let k = s; k < q && at < 0; k++) if (RESYNC_METHODS.has(buf.toString('latin1', k, q))) at = k;
  if (at < 0) return { kind: 'no' };
  // then the version digit and the line end
  if (h + 9 > buf.length) return { kind: 'more', at };
  if (!isDigit(buf[h + 7])) return { kind: 'no' };
  if (buf[h + 8] === 10) return { kind: 'yes', at };
  if (buf[h + 8] !== 13) return { kind: 'no' };
  if (h + 10 > buf.length) return { kind: 'more', at };
  return buf[h + 9] === 10 ? { kind: 'yes', at } : { kind: 'no' };
}

export type ScanResult =
  /** A message starts at `at`. */
  | { found: true; at: number }
  /** None yet; bytes from `keepFrom` may begin one: keep them for the next chunk. */
  | { found: false; keepFrom: number };

/**
 * Scan buf[from…] for a message start: every `HTTP/1.` is a candidate (found with one
 * indexOf each), checked as a status line, or as the version of a request line whose
 * method and target lie just before it. A message may follow a body on the same line.
 */
export function scanForMessage(buf: Buffer, from: number, isRequest: boolean): ScanResult {
  for (let h = buf.indexOf(VERSION, from); h >= 0; h = buf.indexOf(VERSION, h + 1)) {
    const m = isRequest ? requestLineAround(buf, h, from) : statusLineAt(buf, h);
    if (m.kind === 'yes') return { found: true, at: m.at };
    if (m.kind === 'more') return { found: false, keepFrom: m.at };
  }
  // keep what could be the beginning of a start line cut by the chunk end
  if (!isRequest) return { found: false, keepFrom: Math.max(from, buf.length - (VERSION.length - 1)) };
  const lf = buf.lastIndexOf(10);
  return { found: false, keepFrom: Math.max(from, lf + 1, buf.length - MAX_RESYNC_LINE) };
}
