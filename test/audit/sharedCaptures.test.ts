/**
 * Runs after every other test file (the `audit` project, vitest.config.ts): each test file that
 * uses the shared captures must have used one and asserted something about it in this run.
 * A capture test that skips, returns early or reads nothing cannot pass unnoticed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../helpers/captureLedger.js';
import { mayBeSkipped, sharedCaptureTests } from '../helpers/testKinds.js';

const root = resolve(__dirname, '../..');
const ledgerDir = process.env.VIM_ANALYSE_TEST_RUN_DIR && join(process.env.VIM_ANALYSE_TEST_RUN_DIR, 'ledger');

describe('every shared-capture test ran against a shared capture', () => {
  const listed = sharedCaptureTests(root);

  it('finds the capture tests', () => {
    expect(listed.length).toBeGreaterThanOrEqual(20);
    expect(listed).toContain('test/net/tshark.capture.test.ts');
  });

  it('each used a shared capture and asserted at least once', () => {
    expect(ledgerDir, 'VIM_ANALYSE_TEST_RUN_DIR (made by test/helpers/testRunDir.ts)').toBeDefined();
    expect(existsSync(ledgerDir!)).toBe(true);
    const ran = new Map<string, LedgerEntry>();
    for (const f of readdirSync(ledgerDir!)) {
      const e = JSON.parse(readFileSync(join(ledgerDir!, f), 'utf8')) as LedgerEntry;
      ran.set(e.file, e);
    }
    const silent = listed.filter((f) => !(ran.get(f)?.assertingTests ?? 0) && !mayBeSkipped(root, f));
    expect(
      silent,
      'test files that made no assertion after using a shared capture (through groundTruth.ts) in this run',
    ).toEqual([]);
  });
});
