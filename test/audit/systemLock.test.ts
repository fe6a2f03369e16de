/**
 * Runs after every other test file (the `audit` project): the system files (testKinds.ts) ran in
 * other projects' workers, so their one-at-a-time rule rests on systemLock.ts alone. Each must have
 * held the lock in this run, and no two holds may overlap.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SystemHold } from '../helpers/systemLock.js';
import { mayBeSkipped, systemTests } from '../helpers/testKinds.js';

const root = resolve(__dirname, '../..');
const holdsDir = process.env.VIM_ANALYSE_TEST_RUN_DIR && join(process.env.VIM_ANALYSE_TEST_RUN_DIR, 'system-holds');

describe('the system files ran one at a time', () => {
  it('lists only test files that exist, each once', () => {
    expect(systemTests.length).toBeGreaterThan(0);
    for (const f of systemTests) expect(existsSync(join(root, f)), f).toBe(true);
    expect(new Set(systemTests).size).toBe(systemTests.length);
  });

  const holds = (): SystemHold[] => {
    expect(holdsDir, 'VIM_ANALYSE_TEST_RUN_DIR (made by test/helpers/testRunDir.ts)').toBeDefined();
    if (!existsSync(holdsDir!)) return [];
    return readdirSync(holdsDir!).map((f) => JSON.parse(readFileSync(join(holdsDir!, f), 'utf8')) as SystemHold);
  };

  it('each held the system lock', () => {
    const held = new Set(holds().map((h) => h.file));
    const missing = systemTests.filter((f) => !held.has(f) && !mayBeSkipped(root, f));
    expect(missing, 'system files that did not hold the lock').toEqual([]);
  });

  it('no two holds overlap', () => {
    const byStart = holds().sort((a, b) => a.from - b.from);
    expect(byStart.every((h) => systemTests.includes(h.file) && h.to >= h.from)).toBe(true);
    for (let i = 1; i < byStart.length; i++) {
      const [before, after] = [byStart[i - 1], byStart[i]];
      expect(after.from, `${after.file} started before ${before.file} let go`).toBeGreaterThanOrEqual(before.to);
    }
  });
});
