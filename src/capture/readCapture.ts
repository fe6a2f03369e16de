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

export type CaptureSource = string | Readable | AsyncIterable<Uint8Array>;

export interface ReadCaptureOptions {
  clock?: SessionClock;
  onWarning?: (w: CaptureWarning) => void;
  /** Called after each chunk with the compressed/raw bytes read so far (progress bars). */
  onProgress?: (bytesRead: number) => void;
  /** Read size for plain files. */
  chunkBytes?: number;
}

const gzipMagic0 = 0x1f;
const gzipMagic1 = 0x8b;

/** Feed every record of `source` to onRecord; resolves with the summary. */
export async function readCapture(
  source: CaptureSource,
  onRecord: (r: PacketRecord) => void,
  options: ReadCaptureOptions = {},
): Promise<CaptureSummary> {
  const clock = options.clock ?? new SessionClock();
  const warn = options.onWarning ?? (() => {});
  const name = typeof source === 'string' ? (source === '-' ? 'standard input' : source) : 'input';
  const decoder = new AutoCaptureDecoder(clock, onRecord, warn, name);
  const chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024;

  if (typeof source === 'string' && source !== '-') {
    const fh = await open(source, 'r');
    try {
      // A directory opens fine and fails at the first read with an error that names no path.
      if ((await fh.stat()).isDirectory()) throw new UnusableInputError(`${source}: is a directory, not a capture`);
      const buf = Buffer.allocUnsafe(chunkBytes);
      let total = 0;
      const first = await fh.read(buf, 0, chunkBytes, null);
      total += first.bytesRead;
      if (first.bytesRead >= 2 && buf[0] === gzipMagic0 && buf[1] === gzipMagic1) {
        decoder.summary.gzip = true;
        const rest = fh.createReadStream({ start: first.bytesRead, highWaterMark: chunkBytes });
        const raw = (async function* () {
          yield Buffer.from(buf.subarray(0, first.bytesRead));
          for await (const c of rest) yield c as Buffer;
        })();
        await gunzipInto(Readable.from(raw), decoder, warn, options.onProgress);
      } else {
        // Two buffers: the next read runs (in libuv's pool) while this chunk is decoded.
        // Plain Uint8Array views: their subarrays are much cheaper than Buffer's.
        const bufs = [buf, Buffer.allocUnsafe(chunkBytes)];
        let cur = 0;
        let n = first.bytesRead;
        while (n > 0) {
          const next = fh.read(bufs[cur ^ 1], 0, chunkBytes, null);
          const b = bufs[cur];
          decoder.feed(new Uint8Array(b.buffer, b.byteOffset, n));
          options.onProgress?.(total);
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
    await readStream(stream as AsyncIterable<Uint8Array>, decoder, warn, options.onProgress);
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
      } catch (e) {
        decoderError = e;
        return done(e as Error);
      }
      onProgress?.(compressed);
      done();
    },
  });
  try {
    // pipeline, not pipe: when the decoder throws, every stream is torn down.
    await pipeline(raw, gunzip, sink);
  } catch (e) {
    if (decoderError) throw decoderError;
    // A cut-short or damaged gzip stream (zlib's Z_* codes): keep everything decoded so far.
    const code = String((e as { code?: unknown }).code ?? '');
    if (!code.startsWith('Z_')) throw e;
    decoder.summary.counters.truncated++;
    warn({ stage: 'capture', message: `gzip stream damaged or cut short (${(e as Error).message}); records before that point were read` });
  }
}
