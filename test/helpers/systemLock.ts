/**
 * Setup file of the `system` project (vitest.config.ts): a live file holds the run's system lock
 * from before its first hook to after its last. The live files run beside the other files, but
 * never two at once: two replays and captures side by side would take the cores each capture
 * counts on. The lock is a file in the run's folder (testRunDir.ts; fileLock.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { takeFileLock } from './fileLock.js';

const run = process.env.VIM_ANALYSE_TEST_RUN_DIR;
let release: (() => void) | undefined;

beforeAll(async () => {
  if (run === undefined) return;
  const lock = join(run, 'system.lock');
  release = await takeFileLock(lock, 600_000);
  if (release === undefined) throw new Error(`the system lock (${lock}) was not free in 10 minutes`);
}, 610_000);

afterAll(() => release?.());
