/**
 * LogFollower with tail -F's manners, on real files: only lines written after the start,
 * a line completed across two writes read once, a rotation (rename + new file) read to
 * the old file's end then from the new file's start, a truncation read again from 0, a
 * file that appears late read whole, and events older than a bound pruned.
 */
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogFollower } from '../../src/live/logFollower.js';

const dir = mkdtempSync(join(tmpdir(), 'h24-follow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const marker = (sec: number, phase: string, edge: string) =>
  `vimts t=${sec}.000000000 id=3f0e8d4c-0c8e-4a57-9e8f-0d2a3b9d1c11 phase=${phase} edge=${edge}`;
const phasesOf = (f: LogFollower) => f.parsed.events.map((e) => `${e.phase}.${e.edge}@${e.timeNs / 1_000_000_000n}`);

describe('LogFollower', () => {
  it('reads only what is appended after the start, a split line once', () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, `${marker(1000, 'build', 'begin')}\n`);
    const f = new LogFollower(`compute7=${path}`);
    appendFileSync(path, `${marker(1001, 'spawn', 'begin')}\n${marker(1002, 'spawn', 'end').slice(0, -2)}`);
    f.poll();
    expect(phasesOf(f)).toEqual(['spawn.begin@1001']);
    appendFileSync(path, 'nd\n');
    f.poll();
    expect(phasesOf(f)).toEqual(['spawn.begin@1001', 'spawn.end@1002']);
    expect(f.parsed.events.every((e) => e.host === 'compute7')).toBe(true);
    f.close();
  });

  it('follows a rotation: the old file to its end (last line without newline too), then the new one from its start', () => {
    const path = join(dir, 'b.log');
    writeFileSync(path, '');
    const f = new LogFollower(path);
    appendFileSync(path, `${marker(2000, 'build', 'begin')}\n`);
    f.poll();
    appendFileSync(path, marker(2001, 'spawn', 'begin'));
    renameSync(path, `${path}.1`);
    writeFileSync(path, `${marker(2002, 'spawn', 'end')}\n`);
    f.poll();
    expect(phasesOf(f)).toEqual(['build.begin@2000', 'spawn.begin@2001', 'spawn.end@2002']);
    expect(f.counts.rotations).toBe(1);
    appendFileSync(path, `${marker(2003, 'build', 'end')}\n`);
    f.poll();
    expect(phasesOf(f).at(-1)).toBe('build.end@2003');
    f.close();
  });

  it('reads a truncated file again from its start (copytruncate)', () => {
    const path = join(dir, 'c.log');
    writeFileSync(path, 'x'.repeat(500) + '\n');
    const notices: string[] = [];
    const f = new LogFollower(path, (t) => notices.push(t));
    truncateSync(path, 0);
    appendFileSync(path, `${marker(3000, 'build', 'begin')}\n`);
    f.poll();
    expect(phasesOf(f)).toEqual(['build.begin@3000']);
    expect(f.counts.truncations).toBe(1);
    expect(notices.join('\n')).toMatch(/truncated/);
    f.close();
  });

  it('waits for a file that does not exist yet, then reads all of it', () => {
    const path = join(dir, 'later.log');
    const notices: string[] = [];
    const f = new LogFollower(path, (t) => notices.push(t));
    f.poll();
    expect(notices[0]).toMatch(/does not exist yet/);
    writeFileSync(path, `${marker(4000, 'build', 'begin')}\n${marker(4001, 'build', 'end')}\n`);
    f.poll();
    expect(phasesOf(f)).toEqual(['build.begin@4000', 'build.end@4001']);
    f.prune(4001n * 1_000_000_000n);
    expect(phasesOf(f)).toEqual(['build.end@4001']);
    f.close();
  });
});
