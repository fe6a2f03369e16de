/**
 * The CPU ledger's reading of /proc/self/stat (test/helpers/cpuLedger.ts): the fields it takes
 * are this process's own time and its waited-for children's, not others of the line.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuSeconds } from '../helpers/cpuLedger.js';

describe('the CPU ledger', () => {
  it('counts a busy loop as own time and a child busy loop as the children’s', () => {
    const before = cpuSeconds();
    for (const t0 = performance.now(); performance.now() - t0 < 300;);
    const mid = cpuSeconds();
    const own = mid[0] + mid[1] - before[0] - before[1];
    expect(own).toBeGreaterThan(0.2);
    expect(own).toBeLessThan(5);
    expect(mid[2] + mid[3]).toBe(before[2] + before[3]);

    const child = spawnSync(process.execPath, ['-e', 'for (const t = Date.now(); Date.now() - t < 300; );']);
    expect(child.status).toBe(0);
    const after = cpuSeconds();
    expect(after[2] + after[3] - mid[2] - mid[3]).toBeGreaterThan(0.2);
  });
});
