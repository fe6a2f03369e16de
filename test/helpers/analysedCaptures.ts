/**
 * The default analysis (and message list) of each shared capture, made once per test run and
 * shared by every test file that only reads it: the first file to ask analyses the capture and
 * stores the result (v8 serialisation) in the run's folder; later files, in any worker, read it.
 * Each call returns its own copy, so a test may change what it got.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { analyse, listMessages } from '../../src/pipeline/analyse.js';
import type { AnalysisResult, MessageLine } from '../../src/result/types.js';
import { takeFileLock } from './fileLock.js';
import { capturePath } from './groundTruth.js';

/** Made by the global setup (testRunDir.ts); absent when a file runs outside vitest's config. */
const cacheDir = process.env.VIM_ANALYSE_TEST_RUN_DIR && join(process.env.VIM_ANALYSE_TEST_RUN_DIR, 'analysed');

async function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
  if (!cacheDir) return make();
  const file = join(cacheDir, `${key}.v8`);
  if (existsSync(file)) return deserialize(readFileSync(file)) as T;
  mkdirSync(cacheDir, { recursive: true });
  // One maker per key: a file asking while another worker analyses waits for its result (up to 2
  // minutes, then makes its own) rather than analysing the same capture beside it.
  const release = await takeFileLock(`${file}.making`, 120_000, 50);
  try {
    if (existsSync(file)) return deserialize(readFileSync(file)) as T;
    const value = await make();
    // Written aside then renamed: a reader in another worker sees the whole file or none.
    const part = `${file}.${process.pid}`;
    writeFileSync(part, serialize(value));
    renameSync(part, file);
    return value;
  } finally {
    release?.();
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
