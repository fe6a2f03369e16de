/**
 * Read one log file, `[HOST=]PATH`, gzip or plain (told apart by content), line by line:
 * memory holds the events, never the file.
 */
import { createReadStream, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LogCollector } from './collector.js';
import type { ParsedLog, ParseLogOptions } from './types.js';

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
  const input: Readable = gz ? file.pipe(createGunzip()) : file;
  let failure: Error | undefined;
  await new Promise<void>((resolve) => {
    const lines = createInterface({ input, crlfDelay: Infinity });
    const fail = (err: Error): void => {
      failure ??= err;
      lines.close();
    };
    file.on('error', fail);
    if (gz) input.on('error', fail);
    lines.on('line', (line) => collector.feed(line));
    lines.on('close', () => resolve());
  });
  file.destroy();
  const parsed = collector.finish();
  if (failure) {
    parsed.warnings.push({
      stage: 'logs', file: path, line: parsed.counters.lines,
      message: `${gz ? 'gzip stream' : 'file'} ended early (${(failure as NodeJS.ErrnoException).code ?? 'read error'}); lines after ${parsed.counters.lines} not read`,
    });
  }
  return parsed;
}
