/**
 * The lock between test workers (test/helpers/fileLock.ts): held, it makes a second taker wait
 * and give up; released, it is free; left by a process that died, it is taken over.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeFileLock } from '../helpers/fileLock.js';

const dir = mkdtempSync(join(tmpdir(), 'vima-lock-'));

describe('the file lock', () => {
  it('is held until released, then free', async () => {
    const file = join(dir, 'a.lock');
    const release = await takeFileLock(file, 1000);
    expect(release).toBeDefined();
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    const t0 = Date.now();
    expect(await takeFileLock(file, 300, 50)).toBeUndefined();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    release!();
    const again = await takeFileLock(file, 1000);
    expect(again).toBeDefined();
    again!();
  });

  it('takes over a lock whose holder died', async () => {
    const file = join(dir, 'b.lock');
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(file, dead.stdout.trim());
    const release = await takeFileLock(file, 2000, 50);
    expect(release).toBeDefined();
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    release!();
  });
});
