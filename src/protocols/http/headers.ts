/**
 * HTTP/1.x start lines and header fields, parsed from Buffer slices (latin1) without
 * per-byte string building. Headers stay an array of [name, value] pairs as sent: a
 * header called `__proto__` is just another pair, never an object key.
 */
import type { Header } from '../types.js';
import { latin1Text } from '../../bytes/latin1.js';

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
const COLON = 58;

/** Value of the first header named `name` (case-insensitive), or undefined. */
export function headerValue(headers: readonly Header[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i < headers.length; i++) if (sameName(headers[i][0], lower)) return headers[i][1];
  return undefined;
}

/** Every value of the headers named `name` (case-insensitive), in order. */
export function headerValues(headers: readonly Header[], name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i < headers.length; i++) if (sameName(headers[i][0], lower)) out.push(headers[i][1]);
  return out;
}

/** `n` equals the lower-case `lower` ignoring ASCII case (no lower-cased copy of every header name). */
function sameName(n: string, lower: string): boolean {
  if (n.length !== lower.length) return false;
  for (let i = 0; i < n.length; i++) {
    let c = n.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

export interface RequestLine {
  method: string;
  target: string;
  version: string;
}

export interface StatusLine {
  version: string;
  status: number;
  reason: string;
}

/** latin1Text, not Buffer.toString, whose argument handling costs on a head's dozen strings. */
const latin1 = latin1Text;

/** `tchar` of RFC 9110 (method tokens, header names). */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TCHAR[c] = 1;
for (let c = 65; c <= 90; c++) TCHAR[c] = 1;
for (let c = 97; c <= 122; c++) TCHAR[c] = 1;

/** End of the line starting at `from` within [from, end): index of its LF, or -1. */
function lineEnd(buf: Buffer, from: number, end: number): number {
  const i = buf.indexOf(LF, from);
  return i < 0 || i >= end ? -1 : i;
}

/** Content end of a line whose LF is at `lf` (drops the CR of CRLF). */
function contentEnd(buf: Buffer, start: number, lf: number): number {
  return lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
}

/** `HTTP/1.0` or `HTTP/1.1` (any digit pair accepted) at buf[i..i+8). */
function isVersion(buf: Buffer, i: number): boolean {
  return (
    buf[i] === 72 &&
    buf[i + 1] === 84 &&
    buf[i + 2] === 84 &&
    buf[i + 3] === 80 &&
    buf[i + 4] === 47 &&
    isDigit(buf[i + 5]) &&
    buf[i + 6] === 46 &&
    isDigit(buf[i + 7])
  );
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

/** `METHOD SP target SP HTTP/x.y` in buf[start, end) (no line terminator). */
export function parseRequestLine(buf: Buffer, start: number, end: number): RequestLine | string {
  let i = start;
  while (i < end && TCHAR[buf[i]]) i++;
  if (i === start || i >= end || buf[i] !== SP) return 'bad method';
  const method = latin1(buf, start, i);
  const tStart = i + 1;
  const sp = buf.lastIndexOf(SP, end - 1);
  if (sp <= tStart || end - sp - 1 !== 8 || !isVersion(buf, sp + 1)) return 'bad request line';
  for (let j = tStart; j < sp; j++) if (buf[j] <= SP || buf[j] === 127) return 'bad request target';
  return { method, target: latin1(buf, tStart, sp), version: latin1(buf, sp + 1, end) };
}

/** `HTTP/x.y SP NNN [SP reason]` in buf[start, end). */
export function parseStatusLine(buf: Buffer, start: number, end: number): StatusLine | string {
  if (end - start < 12 || !isVersion(buf, start) || buf[start + 8] !== SP) return 'bad status line';
  const d0 = buf[start + 9],
    d1 = buf[start + 10],
    d2 = buf[start + 11];
  if (!isDigit(d0) || !isDigit(d1) || !isDigit(d2)) return 'bad status code';
  if (end > start + 12 && buf[start + 12] !== SP) return 'bad status line';
  const status = (d0 - 48) * 100 + (d1 - 48) * 10 + (d2 - 48);
  const reason = end > start + 13 ? latin1(buf, start + 13, end) : '';
  return { version: latin1(buf, start, start + 8), status, reason };
}

/**
 * Header field lines in buf[from, end) (the block after the start line, including the
 * empty line or not). Obsolete line folding is joined with one space. Returns the
 * headers or an error text.
 */
export function parseHeaderLines(buf: Buffer, from: number, end: number): Header[] | string {
  const headers: Header[] = [];
  let i = from;
  while (i < end) {
    let lf = lineEnd(buf, i, end);
    if (lf < 0) lf = end;
    const ce = contentEnd(buf, i, lf);
    if (ce === i) break; // empty line: end of the block
    const first = buf[i];
    if (first === SP || first === HT) {
      // obs-fold: continuation of the previous value
      const last = headers[headers.length - 1];
      if (last === undefined) return 'folded line before any header';
      last[1] = `${last[1]} ${trimmed(buf, i, ce)}`;
    } else {
      const colon = buf.indexOf(COLON, i);
      if (colon < 0 || colon >= ce || colon === i) return 'header line without name';
      for (let j = i; j < colon; j++) if (!TCHAR[buf[j]]) return 'bad header name';
      headers.push([latin1(buf, i, colon), trimmed(buf, colon + 1, ce)]);
    }
    i = lf + 1;
  }
  return headers;
}

/** latin1 text of buf[start, end) without leading/trailing SP/HT. */
function trimmed(buf: Buffer, start: number, end: number): string {
  while (start < end && (buf[start] === SP || buf[start] === HT)) start++;
  while (end > start && (buf[end - 1] === SP || buf[end - 1] === HT)) end--;
  return latin1(buf, start, end);
}

export interface ParsedHead {
  request?: RequestLine;
  status?: StatusLine;
  headers: Header[];
}

/** Start line + headers of a message in buf[start, end) (end just past the empty line). */
export function parseHead(buf: Buffer, start: number, end: number, isRequest: boolean): ParsedHead | string {
  let lf = lineEnd(buf, start, end);
  if (lf < 0) lf = end;
  const ce = contentEnd(buf, start, lf);
  const line = isRequest ? parseRequestLine(buf, start, ce) : parseStatusLine(buf, start, ce);
  if (typeof line === 'string') return line;
  const headers = parseHeaderLines(buf, lf + 1, end);
  if (typeof headers === 'string') return headers;
  return isRequest ? { request: line as RequestLine, headers } : { status: line as StatusLine, headers };
}
