/**
 * Setup file of the `system` project (vitest.config.ts): a live file holds the run's system lock
 * from before its first hook to after its last. The live files run beside the other files, but
 * never two at once: two replays and captures side by side would take the cores each capture
 * counts on. The lock is a file made with O_EXCL in the run's folder (testRunDir.ts), naming its
 * holder's pid, so that a holder that died leaves no lock behind.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Takes the lock at `file`, waiting for its holder; false if it was not free within `waitMs`. */
async function take(file: string, waitMs: number): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < waitMs; await sleep(200)) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch {
      // Held (its pid written just after the file was made, so an empty file is a holder starting).
      let holder = 0;
      try {
        holder = Number(readFileSync(file, 'utf8'));
      } catch {
        // Released meanwhile: try again.
      }
      if (holder > 0 && !alive(holder)) rmSync(file, { force: true });
    }
  }
  return false;
}

const run = process.env.VIM_ANALYSE_TEST_RUN_DIR;
const lock = run === undefined ? undefined : join(run, 'system.lock');
let held = false;

beforeAll(async () => {
  if (lock === undefined) return;
  held = await take(lock, 600_000);
  if (!held) throw new Error(`the system lock (${lock}) was not free in 10 minutes`);
}, 610_000);

afterAll(() => {
  if (held && lock !== undefined) rmSync(lock, { force: true });
});
