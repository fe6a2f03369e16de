/**
 * Runs the main job on one variant (a file on disk) and judges the outcome: the library
 * must resolve with a serialisable result, with finite numbers and no secret in it, or
 * refuse the input as unusable (UnusableInputError, the documented exit 2). Anything
 * else escaping `analyse()` is a crash. Peak RSS is the process's over the analysis (peakRss.ts).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { analyse } from '../src/pipeline/analyse.js';
import { UnusableInputError } from '../src/capture/types.js';
import type { ProtocolLimits } from '../src/protocols/types.js';
import type { ReassemblyLimits } from '../src/net/types.js';
import { PeakRss } from './peakRss.js';

export interface AnalyseJob {
  path: string;
  streamChunk: number | null;
  limits?: Partial<ProtocolLimits>;
  reassembly?: Partial<ReassemblyLimits>;
  secrets: readonly string[];
  /** Threads that parse the capture (`workers` of analyse; a streamed variant is read by one). */
  threads?: number;
}

export type OutcomeStatus = 'ok' | 'rejected' | 'crash' | 'bad-result' | 'secret-leak' | 'hang' | 'memory';

export interface AnalyseOutcome {
  status: OutcomeStatus;
  ms: number;
  peakRssBytes: number;
  requests: number;
  message?: string;
}

export async function analyseVariantFile(job: AnalyseJob): Promise<AnalyseOutcome> {
  const peak = new PeakRss();
  const t0 = performance.now();
  const source = job.streamChunk === null ? job.path : fileInChunks(job.path, job.streamChunk);
  const done = (status: OutcomeStatus, requests: number, message?: string): AnalyseOutcome => ({
    status,
    ms: performance.now() - t0,
    peakRssBytes: peak.bytes(),
    requests,
    ...(message ? { message } : {}),
  });
  try {
    const result = await analyse(source, {
      limits: job.limits,
      reassembly: job.reassembly,
      onProgress: () => peak.sample(),
      workers: job.threads,
    });
    const json = JSON.stringify(result);
    const problem = badNumber(result) ?? (json === undefined ? 'result does not serialise' : null);
    if (problem) return done('bad-result', result.requests.length, problem);
    const leaked = job.secrets.filter((s) => json.includes(s));
    if (leaked.length)
      return done(
        'secret-leak',
        result.requests.length,
        `${leaked.length} secret(s) in the result (first ${leaked[0].length} chars long)`,
      );
    return done('ok', result.requests.length);
  } catch (e) {
    if (e instanceof UnusableInputError) return done('rejected', 0, e.message);
    const err = e as Error;
    return done(
      'crash',
      0,
      `${err?.name ?? 'thrown'}: ${err?.message ?? String(e)}\n${(err?.stack ?? '').split('\n').slice(1, 8).join('\n')}`,
    );
  }
}

/** The first NaN/Infinity (JSON would print null) or bigint (JSON throws), with its path. */
function badNumber(x: unknown, path = '$'): string | null {
  if (typeof x === 'number') return Number.isFinite(x) ? null : `${path} is ${x}`;
  if (typeof x === 'bigint') return `${path} is a bigint`;
  if (x === null || typeof x !== 'object') return null;
  for (const [k, v] of Object.entries(x)) {
    const bad = badNumber(v, `${path}.${k}`);
    if (bad) return bad;
  }
  return null;
}

/**
 * The file as a stream of `size`-byte chunks, each a fresh buffer, as a file stream gives them; read
 * synchronously, since a stream's read per chunk through libuv's pool made a variant of thousands of
 * small chunks cost more in thread hand-offs than in analysis.
 */
async function* fileInChunks(path: string, size: number): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(size);
      const n = readSync(fd, chunk, 0, size, null);
      if (n === 0) return;
      yield n < size ? chunk.subarray(0, n) : chunk;
    }
  } finally {
    closeSync(fd);
  }
}
