/**
 * Content-Encoding decoding with an output bound: a small compressed body must not be
 * able to allocate more than `maxOutput` bytes (a "gzip bomb"), nor cost more time than
 * producing them.
 *
 * Each coding is undone in one pass, incrementally: a zlib engine is driven through its
 * handle's `writeSync` (what zlib's own *Sync functions loop over), into an output buffer
 * that grows to `maxOutput` + 1 bytes and no further, and the pass stops there with the
 * prefix it has. The public *Sync functions with `maxOutputLength` throw away what they
 * produced when the bound is hit, so a cut body needed decode after decode on halved
 * inputs; `writeSync` and `_writeState` are undocumented (Node 20), so when they are
 * missing the public functions are used as before, with the bound and no prefix.
 *
 * The pass runs when the body is complete, not as its bytes arrive: an engine per body in
 * flight would hold native memory (a brotli window is up to 16 MiB) outside the session's
 * byte budget for every unfinished compressed body an attacker opens, while the compressed
 * bytes held until then are under it. Only bodies kept for their fields get here.
 */
import zlib from 'node:zlib';

/** A fresh decoding engine of one coding, and the flush it decodes with. */
interface Coding {
  engine: (input: Buffer) => zlib.Zlib;
  /** The whole-body function, bounded (the fallback). */
  whole: (input: Buffer, options: zlib.ZlibOptions) => Buffer;
  flush: number;
}

/** zlib-wrapped (RFC 1950) or raw (RFC 1951) deflate: servers send both as `deflate`. */
function zlibWrapped(input: Buffer): boolean {
  const b0 = input[0] ?? 0;
  const b1 = input[1] ?? 0;
  return (b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0;
}

// SYNC_FLUSH: a cut stream yields what it has instead of an error.
const gzip: Coding = { engine: () => zlib.createGunzip(), whole: zlib.gunzipSync, flush: zlib.constants.Z_SYNC_FLUSH };

/** Content codings we decode, by lower-case name. */
const CODINGS: Record<string, Coding> = {
  gzip,
  'x-gzip': gzip,
  deflate: {
    engine: (input) => (zlibWrapped(input) ? zlib.createInflate() : zlib.createInflateRaw()),
    whole: (input, options) =>
      zlibWrapped(input) ? zlib.inflateSync(input, options) : zlib.inflateRawSync(input, options),
    flush: zlib.constants.Z_SYNC_FLUSH,
  },
  br: {
    engine: () => zlib.createBrotliDecompress(),
    whole: (input, options) => zlib.brotliDecompressSync(input, { maxOutputLength: options.maxOutputLength }),
    flush: zlib.constants.BROTLI_OPERATION_FINISH,
  },
};

export type InflateResult =
  | { ok: true; body: Buffer; truncated: boolean }
  /**
   * `unsupported`: a coding we do not decode; `error`: corrupt data; `budget`: the session's decoding budget is
   * spent.
   */
  | { ok: false; kind: 'unsupported' | 'error' | 'budget'; message: string };

/** What decoding may still produce in this session; each pass's output is charged to it. */
export interface InflateBudget {
  remaining: number;
}

/**
 * Decode `input` per `encoding` (a Content-Encoding value, possibly a list applied in
 * order). Output beyond `maxOutput` is cut: the prefix decoded so far is returned with
 * `truncated`. Each pass is charged to `budget` and bounded by what it has left.
 */
export function inflateBody(
  input: Buffer,
  encoding: string,
  maxOutput: number,
  inputComplete: boolean,
  budget?: InflateBudget,
): InflateResult {
  const codings = encoding
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'identity');
  let body = input;
  let truncated = !inputComplete;
  // codings are listed in the order they were applied: undo them last first
  for (let k = codings.length - 1; k >= 0; k--) {
    const coding = CODINGS[codings[k]];
    if (coding === undefined) return { ok: false, kind: 'unsupported', message: `Content-Encoding ${codings[k]}` };
    if (budget !== undefined && budget.remaining <= 0)
      return { ok: false, kind: 'budget', message: "the session's decoding budget is spent" };
    const max = Math.max(1, Math.min(maxOutput, budget?.remaining ?? Infinity));
    const r = decodeOnce(coding, body, max);
    if (budget !== undefined) budget.remaining -= r instanceof Error ? 0 : r.charged;
    if (r instanceof Error) return { ok: false, kind: 'error', message: r.message };
    body = r.body;
    truncated ||= r.truncated;
  }
  return { ok: true, body, truncated };
}

/** The parts of a zlib engine `decodeOnce` drives (Node internals: see the file comment). */
interface EngineInternals {
  _handle: {
    writeSync(
      flush: number,
      input: Buffer,
      inOff: number,
      inLen: number,
      out: Buffer,
      outOff: number,
      outLen: number,
    ): void;
  } | null;
  _writeState: Uint32Array;
  destroyed: boolean;
}

/** First output buffer size; it doubles as it fills, up to the bound. */
const firstOutput = 16 * 1024;

interface Decoded {
  body: Buffer;
  truncated: boolean;
  /** Output produced (charged to the session budget). */
  charged: number;
}

/** One pass over `input`: at most `max` bytes out, with `truncated` when there was more. */
function decodeOnce(coding: Coding, input: Buffer, max: number): Decoded | Error {
  const engine = coding.engine(input);
  const e = engine as unknown as EngineInternals;
  const handle = e._handle;
  if (handle === null || typeof handle?.writeSync !== 'function' || !(e._writeState instanceof Uint32Array)) {
    engine.close();
    return decodeWhole(coding, input, max);
  }
  // Errors are also emitted (on the next tick): a listener keeps them from being uncaught.
  (engine as unknown as NodeJS.EventEmitter).on('error', () => {});
  // One byte past the bound tells a body of exactly `max` bytes from a longer one.
  let out = Buffer.allocUnsafe(Math.min(max + 1, firstOutput));
  let outLen = 0;
  let inOff = 0;
  let inLen = input.length;
  try {
    for (;;) {
      const room = out.length - outLen;
      handle.writeSync(coding.flush, input, inOff, inLen, out, outLen, room);
      if (e.destroyed) return engineError(engine);
      const [availOut, availIn] = e._writeState;
      outLen += room - availOut;
      inOff += inLen - availIn;
      inLen = availIn;
      if (availOut !== 0) break; // all the input it could take is decoded
      if (out.length > max) break; // the bound is reached: stop here
      const grown = Buffer.allocUnsafe(Math.min(max + 1, 2 * out.length));
      out.copy(grown, 0, 0, outLen);
      out = grown;
    }
  } finally {
    engine.close();
  }
  const truncated = outLen > max;
  const n = Math.min(outLen, max);
  // A buffer much larger than its body is copied down, not kept whole with the message.
  const body = out.length > 2 * n + 4096 ? Buffer.from(out.subarray(0, n)) : out.subarray(0, n);
  return { body, truncated, charged: n };
}

/** The engine's error (kept under a symbol by zlib's error callback), or a generic one. */
function engineError(engine: zlib.Zlib): Error {
  const sym = Object.getOwnPropertySymbols(engine).find((s) => s.description === 'kError');
  const err = sym === undefined ? undefined : (engine as unknown as Record<symbol, unknown>)[sym];
  return err instanceof Error ? err : new Error('invalid compressed data');
}

/** The fallback: the public bounded function (output past the bound is lost, not cut). */
function decodeWhole(coding: Coding, input: Buffer, max: number): Decoded | Error {
  try {
    const body = coding.whole(input, { maxOutputLength: max, finishFlush: coding.flush });
    return { body, truncated: false, charged: body.length };
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') return err as Error;
    return { body: Buffer.alloc(0), truncated: true, charged: max };
  }
}
