/**
 * How long a message body is (RFC 9112 §6.3), decided from its head alone plus, for a
 * response, the method of the request it answers.
 */
import type { Header } from '../types.js';
import { headerValues } from './headers.js';

export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Response body delimited by the connection closing. */
  | { kind: 'close' }
  /** The connection stops being HTTP after this message (101, CONNECT 2xx). */
  | { kind: 'tunnel' }
  | { kind: 'error'; message: string };

/** Statuses whose responses never carry a body, whatever their headers say. */
const BODYLESS_STATUS = new Set([204, 304]);

/** Largest Content-Length we accept: we never allocate it, but it must stay an exact number. */
const MAX_CONTENT_LENGTH = Number.MAX_SAFE_INTEGER;

function contentLength(headers: readonly Header[]): number | string | undefined {
  const values = headerValues(headers, 'content-length');
  if (values.length === 0) return undefined;
  let length: number | undefined;
  if (values.length === 1 && /^[0-9]{1,15}$/.test(values[0])) return Number(values[0]); // the usual case
  for (const raw of values) {
    // `Content-Length: 5, 5` is a list of the same value; anything else is an error
    for (const part of raw.split(',')) {
      const v = part.trim();
      if (!/^[0-9]{1,16}$/.test(v)) return `bad Content-Length ${JSON.stringify(v.slice(0, 20))}`;
      const n = Number(v);
      if (n > MAX_CONTENT_LENGTH) return 'Content-Length too large';
      if (length !== undefined && length !== n) return 'conflicting Content-Length values';
      length = n;
    }
  }
  return length;
}

/** Is `chunked` the final transfer coding? (undefined when there is no Transfer-Encoding) */
function chunkedLast(headers: readonly Header[]): boolean | undefined {
  const values = headerValues(headers, 'transfer-encoding');
  if (values.length === 0) return undefined;
  const codings = values
    .join(',')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  return codings[codings.length - 1] === 'chunked';
}

export function requestFraming(headers: readonly Header[]): BodyFraming {
  const chunked = chunkedLast(headers);
  if (chunked === true) return { kind: 'chunked' };
  if (chunked === false) return { kind: 'error', message: 'request Transfer-Encoding without final chunked' };
  const length = contentLength(headers);
  if (typeof length === 'string') return { kind: 'error', message: length };
  return length === undefined || length === 0 ? { kind: 'none' } : { kind: 'length', length };
}

/** `requestMethod` is undefined when the request was not seen (then a body is assumed possible). */
export function responseFraming(
  status: number,
  headers: readonly Header[],
  requestMethod: string | undefined,
): BodyFraming {
  if (status === 101) return { kind: 'tunnel' };
  if (requestMethod === 'CONNECT' && status >= 200 && status < 300) return { kind: 'tunnel' };
  if (status < 200 || BODYLESS_STATUS.has(status) || requestMethod === 'HEAD') return { kind: 'none' };
  const chunked = chunkedLast(headers);
  if (chunked === true) return { kind: 'chunked' };
  if (chunked === false) return { kind: 'close' };
  const length = contentLength(headers);
  if (typeof length === 'string') return { kind: 'error', message: length };
  if (length === undefined) return { kind: 'close' };
  return length === 0 ? { kind: 'none' } : { kind: 'length', length };
}
