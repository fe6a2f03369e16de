/**
 * Read one log file, `[HOST=]PATH`, gzip or plain (told apart by content), line by line:
 * memory holds the events and one chunk, never the file.
 */
import { createReadStream, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LogCollector } from './collector.js';
import type { ParsedLog, ParseLogOptions } from './types.js';

/** Longest line kept whole; the rest of a longer one is skipped so memory stays bounded. */
const MAX_LINE = 1 << 20;
/** Bytes without a line break after which a "log" is given up (`--logs /dev/zero` ran forever). */
const MAX_BYTES_WITHOUT_LINE = 64 << 20;

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `compute1=/var/log/nova/nova-compute.log` → host + path; a path that exists as written wins. */
export function parseLogSpec(spec: string): { host?: string; path: string } {
  const eq = spec.indexOf('=');
  if (eq <= 0 || existsSync(spec)) return { path: spec };
  const host = spec.slice(0, eq);
  return HOST_NAME.test(host) ? { host, path: spec.slice(eq + 1) } : { path: spec };
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Parse a log file. Rejects only when the file cannot be opened; a corrupt or truncated gzip
 * keeps what was read before the damage and says so in a warning.
 */
export async function readLog(spec: string, options?: ParseLogOptions): Promise<ParsedLog> {
  const { host, path } = parseLogSpec(spec);
  const gz = await isGzip(path);
  const collector = new LogCollector(path, host, options);
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const input: Readable = gz ? file.pipe(createGunzip({ chunkSize: 1 << 20 })) : file;
  if (gz) file.on('error', (err) => input.destroy(err));
  let failure: Error | undefined;
  // Bytes after the chunk's last newline wait for the next chunk. Cutting at a newline byte never
  // splits a UTF-8 character, so each piece decodes on its own.
  let carry: Buffer | undefined;
  let skipping = false;
  let cutLines = 0;
  /** Bytes read since the last line break. */
  let sinceBreak = 0;
  let gaveUp = false;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (options?.signal?.aborted) break;
      const nlInChunk = chunk.lastIndexOf(0x0a);
      sinceBreak = nlInChunk < 0 ? sinceBreak + chunk.length : chunk.length - nlInChunk - 1;
      if (sinceBreak > MAX_BYTES_WITHOUT_LINE) {
        gaveUp = true;
        break;
      }
      let bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = undefined;
      if (skipping) {
        const nl = bytes.indexOf(0x0a);
        if (nl < 0) continue;
        bytes = bytes.subarray(nl + 1);
        skipping = false;
      }
      const last = bytes.lastIndexOf(0x0a);
      if (last < 0) {
        carry = bytes;
      } else {
        const lines = bytes.toString('utf8', 0, last).split('\n');
        for (const line of lines) collector.feed(line);
        if (last + 1 < bytes.length) carry = Buffer.from(bytes.subarray(last + 1));
      }
      if (carry && carry.length > MAX_LINE) {
        // A "line" this long is not a log line (binary, a one-line dump): read its start only.
        collector.feed(carry.toString('utf8', 0, MAX_LINE));
        carry = undefined;
        skipping = true;
        cutLines++;
      }
    }
  } catch (err) {
    failure = err as Error;
  }
  file.destroy();
  options?.signal?.throwIfAborted();
  if (carry && carry.length > 0 && !gaveUp) collector.feed(carry.toString('utf8'));
  const parsed = collector.finish();
  if (cutLines > 0) {
    parsed.counters.cutLines = cutLines;
    parsed.warnings.push({
      stage: 'logs',
      file: path,
      message: `${cutLines} line(s) longer than ${MAX_LINE} bytes: only their start was read`,
    });
  }
  if (gaveUp) {
    parsed.warnings.push({
      stage: 'logs',
      file: path,
      line: parsed.counters.lines,
      message:
        `no line break in ${MAX_BYTES_WITHOUT_LINE >> 20} MiB: not a log; reading stopped after ` +
        `${parsed.counters.lines} lines`,
    });
  }
  if (failure) {
    parsed.warnings.push({
      stage: 'logs',
      file: path,
      line: parsed.counters.lines,
      message:
        `${gz ? 'gzip stream' : 'file'} ended early ` +
        `(${(failure as NodeJS.ErrnoException).code ?? 'read error'}); lines after ${parsed.counters.lines} ` +
        `not read`,
    });
  }
  return parsed;
}
