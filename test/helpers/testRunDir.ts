/**
 * Global setup (vitest.config.ts): makes the run's folder, shared by every worker, and removes
 * it when the run ends. `ledger/` holds which shared captures each test file used
 * (captureLedger.ts, read by test/audit/); `analysed/` the shared analyses (analysedCaptures.ts).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  // Every project runs this; the first one makes the folder, the workers inherit it.
  const dir = (process.env.VIM_ANALYSE_TEST_RUN_DIR ??= mkdtempSync(join(tmpdir(), 'vim-analyse-test-run-')));
  mkdirSync(join(dir, 'ledger'), { recursive: true });
  return () => rmSync(dir, { recursive: true, force: true });
}
