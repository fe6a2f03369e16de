/**
 * Global setup (vitest.config.ts): makes the run's capture ledger folder, where each test file
 * notes the shared captures it used (captureLedger.ts), and removes it when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  // Every project runs this; the first one makes the folder, the workers inherit it.
  const dir = (process.env.VIM_ANALYSE_CAPTURE_LEDGER ??= mkdtempSync(join(tmpdir(), 'vim-analyse-ledger-')));
  return () => rmSync(dir, { recursive: true, force: true });
}
