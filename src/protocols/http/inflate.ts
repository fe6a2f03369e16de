/**
 * Content-Encoding decoding with an output bound: a small compressed body must not be
 * able to allocate more than `maxOutput` bytes (a "gzip bomb").
 */
import zlib from 'node:zlib';

type Decoder = (input: Buffer, options: zlib.ZlibOptions) => Buffer;

/** zlib-wrapped (RFC 1950) or raw (RFC 1951) deflate: servers send both as `deflate`. */
function inflateEither(input: Buffer, options: zlib.ZlibOptions): Buffer {
  const b0 = input[0] ?? 0;
  const b1 = input[1] ?? 0;
  const zlibHeader = (b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0;
  return zlibHeader ? zlib.inflateSync(input, options) : zlib.inflateRawSync(input, options);
}

/** Content codings we decode, by lower-case name. */
const DECODERS: Record<string, Decoder> = {
  gzip: zlib.gunzipSync,
  'x-gzip': zlib.gunzipSync,
  deflate: inflateEither,
  br: (input, options) => zlib.brotliDecompressSync(input, { maxOutputLength: options.maxOutputLength }),
};

export type InflateResult =
  | { ok: true; body: Buffer; truncated: boolean }
  /** `unsupported`: a coding we do not decode; `error`: corrupt data; `budget`: the session's decoding budget is spent. */
  | { ok: false; kind: 'unsupported' | 'error' | 'budget'; message: string };

/** Smallest input prefix tried when the whole output does not fit. */
const MIN_PREFIX = 64;

/** What decoding may still produce in this session; each attempt's output is charged to it. */
export interface InflateBudget {
  remaining: number;
}

/**
 * Decode `input` per `encoding` (a Content-Encoding value, possibly a list applied in
 * order). Output beyond `maxOutput` is cut: then the longest decodable prefix we find by
 * halving the input is returned with `truncated`. Every attempt is charged to `budget`
 * (its bound, when hit): a bomb costs at most what the budget has left.
 */
export function inflateBody(input: Buffer, encoding: string, maxOutput: number, inputComplete: boolean, budget?: InflateBudget): InflateResult {
  const codings = encoding.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '' && s !== 'identity');
  let body = input;
  let truncated = !inputComplete;
  // codings are listed in the order they were applied: undo them last first
  for (let k = codings.length - 1; k >= 0; k--) {
    const decoder = DECODERS[codings[k]];
    if (decoder === undefined) return { ok: false, kind: 'unsupported', message: `Content-Encoding ${codings[k]}` };
    const r = decodeBounded(decoder, body, maxOutput, budget);
    if (!r.ok) return r;
    body = r.body;
    truncated ||= r.truncated;
  }
  return { ok: true, body, truncated };
}

function decodeBounded(decoder: Decoder, input: Buffer, maxOutput: number, budget?: InflateBudget): InflateResult {
  const bound = () => Math.max(1, Math.min(maxOutput, budget?.remaining ?? Infinity));
  if (budget !== undefined && budget.remaining <= 0) return { ok: false, kind: 'budget', message: 'the session\'s decoding budget is spent' };
  // SYNC_FLUSH: a cut stream yields what it has instead of an error
  const attempt = (bytes: Buffer): Buffer | 'too-large' | Error => {
    const max = bound();
    try {
      const out = decoder(bytes, { maxOutputLength: max, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      if (budget !== undefined) budget.remaining -= out.length;
      return out;
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') return e as Error;
      if (budget !== undefined) budget.remaining -= max;
      return 'too-large';
    }
  };
  const whole = attempt(input);
  if (whole instanceof Error) return { ok: false, kind: 'error', message: whole.message };
  if (whole !== 'too-large') return { ok: true, body: whole, truncated: false };
  for (let len = input.length >> 1; len >= MIN_PREFIX && (budget === undefined || budget.remaining > 0); len >>= 1) {
    const part = attempt(input.subarray(0, len));
    if (part instanceof Error) break;
    if (part !== 'too-large') return { ok: true, body: part, truncated: true };
  }
  return { ok: true, body: Buffer.alloc(0), truncated: true };
}
