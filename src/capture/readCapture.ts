/**
 * Reads a capture from a file path, `-` (standard input) or any byte stream, gunzipping
 * when the content starts with the gzip magic (whatever the name says). Memory stays
 * bounded: a plain file is read into one reused buffer; records are views into it.
 */
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AutoCaptureDecoder } from './captureDecoder.js';
import { SessionClock } from './sessionClock.js';
import { UnusableInputError, type CaptureSummary, type CaptureWarning, type PacketRecord } from './types.js';

/** Bytes of a capture, or a stream of them, with the name the result gives it (`captures[].file`). */
export interface NamedCaptureSource {
  name: string;
  data: Uint8Array | Readable | AsyncIterable<Uint8Array>;
}

/** A path (`-`: standard input), the capture's bytes, a stream of them, or one of these named. */
export type CaptureSource = string | Uint8Array | Readable | AsyncIterable<Uint8Array> | NamedCaptureSource;

const isNamed = (s: CaptureSource): s is NamedCaptureSource =>
  typeof s === 'object' &&
  !(s instanceof Uint8Array) &&
  typeof (s as NamedCaptureSource).name === 'string' &&
  'data' in s;

/** The name a source is reported under: its path, its given name, or '-' (standard input, bytes or a stream). */
export function captureSourceName(source: CaptureSource): string {
  if (typeof source === 'string') return source;
  return isNamed(source) ? source.name : '-';
}

export interface ReadCaptureOptions {
  clock?: SessionClock;
  onWarning?: (w: CaptureWarning) => void;
  /** Called after each chunk with the compressed/raw bytes read so far (progress bars). */
  onProgress?: (bytesRead: number) => void;
  /** Read size for plain files. */
  chunkBytes?: number;
  /** Called once with the summary the reader fills in as it reads (timestamp precision is known from the header). */
  onStart?: (summary: CaptureSummary) => void;
  /** Stop reading (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

const gzipMagic0 = 0x1f;
const gzipMagic1 = 0x8b;
/** The smallest read piece: a file that grows while it is read is still read in pieces of some size. */
const minPieceBytes = 64 * 1024;

/** Feed every record of `source` to onRecord; resolves with the summary. */
export async function readCapture(
  source: CaptureSource,
  onRecord: (r: PacketRecord) => void,
  options: ReadCaptureOptions = {},
): Promise<CaptureSummary> {
  const clock = options.clock ?? new SessionClock();
  const warn = options.onWarning ?? (() => {});
  const name =
    typeof source === 'string' ? (source === '-' ? 'standard input' : source) : isNamed(source) ? source.name : 'input';
  const signal = options.signal;
  signal?.throwIfAborted();
  const decoder = new AutoCaptureDecoder(clock, onRecord, warn, name);
  options.onStart?.(decoder.summary);
  const chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024;
  const progress = signal
    ? (n: number) => {
        signal.throwIfAborted();
        options.onProgress?.(n);
      }
    : options.onProgress;
  if (isNamed(source)) source = source.data;
  // Bytes in memory: one piece (a Buffer is not iterated byte by byte).
  if (source instanceof Uint8Array)
    source = (async function* (b: Uint8Array) {
      yield b;
    })(source);

  if (typeof source === 'string' && source !== '-') {
    const fh = await open(source, 'r');
    try {
      const st = await fh.stat();
      // A directory opens fine and fails at the first read with an error that names no path.
      if (st.isDirectory()) throw new UnusableInputError(`${source}: is a directory, not a capture`);
      // Buffers no larger than the file: two of 4 MiB for a file of a few KiB are external memory that
      // V8 counts towards its next collection, and reading many small files collected all the time.
      const pieceBytes =
        st.isFile() && st.size > 0 ? Math.min(chunkBytes, Math.max(minPieceBytes, st.size)) : chunkBytes;
      const buf = Buffer.allocUnsafe(pieceBytes);
      let total = 0;
      const first = await fh.read(buf, 0, pieceBytes, null);
      total += first.bytesRead;
      if (first.bytesRead >= 2 && buf[0] === gzipMagic0 && buf[1] === gzipMagic1) {
        decoder.summary.gzip = true;
        const rest = fh.createReadStream({ start: first.bytesRead, highWaterMark: pieceBytes });
        const raw = (async function* () {
          yield Buffer.from(buf.subarray(0, first.bytesRead));
          for await (const c of rest) yield c as Buffer;
        })();
        await gunzipInto(Readable.from(raw), decoder, warn, progress);
      } else {
        // Two buffers: the next read runs (in libuv's pool) while this chunk is decoded.
        // Plain Uint8Array views: their subarrays are much cheaper than Buffer's.
        const bufs = [buf, Buffer.allocUnsafe(pieceBytes)];
        let cur = 0;
        let n = first.bytesRead;
        while (n > 0) {
          const next = fh.read(bufs[cur ^ 1], 0, pieceBytes, null);
          const b = bufs[cur];
          decoder.feed(new Uint8Array(b.buffer, b.byteOffset, n));
          progress?.(total);
          n = (await next).bytesRead;
          total += n;
          cur ^= 1;
        }
      }
    } finally {
      await fh.close();
    }
  } else {
    const stream = source === '-' ? process.stdin : source;
    await readStream(stream as AsyncIterable<Uint8Array>, decoder, warn, progress);
  }
  decoder.end();
  return decoder.summary;
}

async function readStream(
  stream: AsyncIterable<Uint8Array>,
  decoder: AutoCaptureDecoder,
  warn: (w: CaptureWarning) => void,
  onProgress?: (n: number) => void,
): Promise<void> {
  // Peek at the first two bytes (they may come in separate pieces) to decide on gzip, then replay them.
  const it = stream[Symbol.asyncIterator]();
  const peeked: Uint8Array[] = [];
  let peekedBytes = 0;
  while (peekedBytes < 2) {
    const r = await it.next();
    if (r.done) break;
    peeked.push(r.value);
    peekedBytes += r.value.length;
  }
  if (peeked.length === 0) return;
  const head = peeked.length === 1 ? peeked[0] : Buffer.concat(peeked);
  const replay = (async function* () {
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  if (head.length >= 2 && head[0] === gzipMagic0 && head[1] === gzipMagic1) {
    decoder.summary.gzip = true;
    await gunzipInto(Readable.from(replay), decoder, warn, onProgress);
  } else {
    let total = 0;
    for await (const c of replay) {
      total += c.length;
      decoder.feed(c);
      onProgress?.(total);
    }
  }
}

async function gunzipInto(
  raw: Readable,
  decoder: AutoCaptureDecoder,
  warn: (w: CaptureWarning) => void,
  onProgress?: (n: number) => void,
): Promise<void> {
  let compressed = 0;
  raw.on('data', (c: Buffer) => {
    compressed += c.length;
  });
  // Small output pieces, each fed to the decoder as soon as it is inflated (a Writable sink,
  // not an async iterator, which drops what it buffered when the stream errors): a gzip
  // damaged part way loses at most one piece (16 KiB) before the damage, not everything read so far.
  const gunzip = createGunzip({ chunkSize: 16 * 1024 });
  // The decoder's own error (not a capture) wins over the abort errors of the streams it tears down.
  let decoderError: unknown = null;
  const sink = new Writable({
    write(c: Buffer, _encoding, done) {
      try {
        decoder.feed(c);
        // Inside the try: an abort (thrown by the progress callback) ends the pipeline.
        onProgress?.(compressed);
      } catch (e) {
        decoderError = e;
        return done(e as Error);
      }
      done();
    },
  });
  try {
    // pipeline, not pipe: when the decoder throws, every stream is torn down.
    await pipeline(raw, gunzip, sink);
  } catch (e) {
    if (decoderError) throw decoderError;
    // A cut-short or damaged gzip stream (zlib's Z_* codes): keep everything decoded so far.
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('Z_')) throw e;
    decoder.summary.counters.truncated++;
    warn({
      stage: 'capture',
      message: `gzip stream damaged or cut short (${(e as Error).message}); records before that point were read`,
    });
  }
}
