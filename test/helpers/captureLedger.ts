/**
 * Setup file (vitest.config.ts): after a test file ran, notes in the run's ledger which shared
 * captures it used and how many of its tests asserted something (the run's `ledger/`, testRunDir.ts), so that the audit
 * (test/audit/sharedCaptures.test.ts) can tell a capture test that ran from one that did nothing.
 */
import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, afterEach, expect } from 'vitest';
import { forgetUsedSharedCaptures, usedSharedCaptures } from './groundTruth.js';

export interface LedgerEntry {
  /** The test file, relative to the repository root. */
  file: string;
  captures: string[];
  /** Tests that made at least one assertion after the file had used a shared capture. */
  assertingTests: number;
}

const root = resolve(__dirname, '../..');
let file: string | undefined;
let assertingTests = 0;
// This file runs again before each test file, but groundTruth.ts is loaded once per worker (isolate: false).
forgetUsedSharedCaptures();

afterEach(() => {
  const state = expect.getState();
  file ??= state.testPath;
  if (usedSharedCaptures().size > 0 && state.assertionCalls > 0) assertingTests++;
});

afterAll(() => {
  const run = process.env.VIM_ANALYSE_TEST_RUN_DIR;
  if (run === undefined || file === undefined || usedSharedCaptures().size === 0) return;
  const dir = join(run, 'ledger');
  const entry: LedgerEntry = { file: relative(root, file), captures: [...usedSharedCaptures()].sort(), assertingTests };
  writeFileSync(join(dir, `${entry.file.replace(/[^\w.-]/g, '_')}.json`), JSON.stringify(entry));
});
