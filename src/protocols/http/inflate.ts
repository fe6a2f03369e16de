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
  /** `unsupported`: a coding we do not decode; `error`: corrupt data. */
  | { ok: false; kind: 'unsupported' | 'error'; message: string };

/** Smallest input prefix tried when the whole output does not fit. */
const MIN_PREFIX = 64;

/**
 * Decode `input` per `encoding` (a Content-Encoding value, possibly a list applied in
 * order). Output beyond `maxOutput` is cut: then the longest decodable prefix we find by
 * halving the input is returned with `truncated`.
 */
export function inflateBody(input: Buffer, encoding: string, maxOutput: number, inputComplete: boolean): InflateResult {
  const codings = encoding.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '' && s !== 'identity');
  let body = input;
  let truncated = !inputComplete;
  // codings are listed in the order they were applied: undo them last first
  for (let k = codings.length - 1; k >= 0; k--) {
    const decoder = DECODERS[codings[k]];
    if (decoder === undefined) return { ok: false, kind: 'unsupported', message: `Content-Encoding ${codings[k]}` };
    const r = decodeBounded(decoder, body, maxOutput);
    if (!r.ok) return r;
    body = r.body;
    truncated ||= r.truncated;
  }
  return { ok: true, body, truncated };
}

function decodeBounded(decoder: Decoder, input: Buffer, maxOutput: number): InflateResult {
  // SYNC_FLUSH: a cut stream yields what it has instead of an error
  const options: zlib.ZlibOptions = { maxOutputLength: Math.max(1, maxOutput), finishFlush: zlib.constants.Z_SYNC_FLUSH };
  try {
    return { ok: true, body: decoder(input, options), truncated: false };
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') {
      return { ok: false, kind: 'error', message: (e as Error).message };
    }
  }
  for (let len = input.length >> 1; len >= MIN_PREFIX; len >>= 1) {
    try {
      return { ok: true, body: decoder(input.subarray(0, len), options), truncated: true };
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') break;
    }
  }
  return { ok: true, body: Buffer.alloc(0), truncated: true };
}
