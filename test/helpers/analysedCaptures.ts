/**
 * The default analysis (and message list) of each shared capture, made once per test run and
 * shared by every test file that only reads it: the first file to ask analyses the capture and
 * stores the result (v8 serialisation) in the run's folder; later files, in any worker, read it.
 * Each call returns its own copy, so a test may change what it got.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { analyse, listMessages } from '../../src/pipeline/analyse.js';
import type { AnalysisResult, MessageLine } from '../../src/result/types.js';
import { capturePath } from './groundTruth.js';

/** Made by the global setup (testRunDir.ts); absent when a file runs outside vitest's config. */
const cacheDir = process.env.VIM_ANALYSE_TEST_RUN_DIR && join(process.env.VIM_ANALYSE_TEST_RUN_DIR, 'analysed');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
  if (!cacheDir) return make();
  const file = join(cacheDir, `${key}.v8`);
  if (existsSync(file)) return deserialize(readFileSync(file)) as T;
  mkdirSync(cacheDir, { recursive: true });
  // One maker per key: a file asking while another worker analyses waits for its result (while
  // that worker holds the mark, up to 2 minutes) rather than analysing the same capture beside it.
  const making = `${file}.making`;
  let mine = false;
  try {
    closeSync(openSync(making, 'wx'));
    mine = true;
  } catch {
    for (const t0 = Date.now(); !existsSync(file) && existsSync(making) && Date.now() - t0 < 120_000;) await sleep(50);
    if (existsSync(file)) return deserialize(readFileSync(file)) as T;
  }
  try {
    const value = await make();
    // Written aside then renamed: a reader in another worker sees the whole file or none.
    const part = `${file}.${process.pid}`;
    writeFileSync(part, serialize(value));
    renameSync(part, file);
    return value;
  } finally {
    if (mine) rmSync(making, { force: true });
  }
}

/** `analyse(capturePath(name))`, once per run; with `logFiles`, `analyse(…, { logFiles })`, once per run and list of logs. */
export function analysedCapture(name: string, logFiles: readonly string[] = []): Promise<AnalysisResult> {
  const file = capturePath(name);
  if (logFiles.length === 0) return cached(`${name}.result`, () => analyse(file));
  const logs = createHash('sha256').update(logFiles.join('\n')).digest('hex').slice(0, 16);
  return cached(`${name}.result-logs-${logs}`, () => analyse(file, { logFiles: [...logFiles] }));
}

/** `listMessages(capturePath(name))`, once per run. */
export function capturedMessages(name: string): Promise<MessageLine[]> {
  const file = capturePath(name);
  return cached(`${name}.messages`, () => listMessages(file));
}
