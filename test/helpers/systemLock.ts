/**
 * Setup file of the unit and capture projects (vitest.config.ts): a system file (testKinds.ts's
 * `systemTests`) holds the run's system lock from before its first hook to after its last, so that
 * no two run at once. The lock is a file in the run's folder (testRunDir.ts; fileLock.ts); each hold
 * is noted in the run's `system-holds/` for the audit (test/audit/systemLock.test.ts) to check.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { takeFileLock } from './fileLock.js';
import { systemTests } from './testKinds.js';

/** One system file's hold of the lock, in ms since the epoch. */
export interface SystemHold {
  file: string;
  from: number;
  to: number;
}

const root = resolve(__dirname, '../..');
const run = process.env.VIM_ANALYSE_TEST_RUN_DIR;
let hold: { file: string; from: number; release: () => void } | undefined;

beforeAll(async () => {
  const file = relative(root, expect.getState().testPath ?? '');
  if (run === undefined || !systemTests.includes(file)) return;
  const lock = join(run, 'system.lock');
  const release = await takeFileLock(lock, 600_000);
  if (release === undefined) throw new Error(`the system lock (${lock}) was not free in 10 minutes`);
  hold = { file, from: Date.now(), release };
}, 610_000);

afterAll(() => {
  if (hold === undefined) return;
  const note: SystemHold = { file: hold.file, from: hold.from, to: Date.now() };
  // Noted before the release: the next holder's `from` is then after this `to`.
  const dir = join(run!, 'system-holds');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${note.file.replace(/[^\w.-]/g, '_')}.json`), JSON.stringify(note));
  hold.release();
  hold = undefined;
});
