/**
 * Outputs that cannot be written and headers cut short: one line and exit 2, found before
 * any capture is read; `live --write` never replaces a file or follows a link unasked.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../helpers/groundTruth.js';
import { pcap, pcapng } from '../helpers/pcapWriter.js';
import { linkType } from '../helpers/packetBuilder.js';
import { cliPath as bin } from '../helpers/cliRuns.js';

const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const nomad = join(fixturesDir, 'nomad-stock-3runs.pcap');
const dir = mkdtempSync(join(tmpdir(), 'vim-files-'));

function oneLine(r: ReturnType<typeof run>, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('an output that cannot be opened', () => {
  it.each([
    ['messages', ['messages', nomad, '-o', '/nonexistent/x']],
    ['the main job', [nomad, '-o', '/nonexistent/x']],
    ['info', ['info', nomad, '-o', '/nonexistent/x']],
  ])('%s -o /nonexistent/x: exit 2, one line naming the path', (_what, args) => {
    const t0 = Date.now();
    oneLine(run(...args), /^vim-analyse: \/nonexistent\/x: no such file/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
  it('live --write /nonexistent/x.pcapng: exit 2, one line, before any capture starts', () => {
    oneLine(
      run('live', '-i', 'lo', '--write', '/nonexistent/x.pcapng'),
      /--write \/nonexistent\/x\.pcapng: no such directory/,
    );
  });
});

describe('live --write keeps what is there', () => {
  it('refuses an existing file without --force and leaves it as it was', () => {
    const f = join(dir, 'old.pcapng');
    writeFileSync(f, 'precious');
    oneLine(run('live', '-i', 'lo', '--write', f), /exists \(--force replaces it\)/);
    expect(readFileSync(f, 'utf8')).toBe('precious');
  });
  it('never writes through a symbolic link, even with --force', () => {
    const target = join(dir, 'target');
    const link = join(dir, 'link.pcapng');
    symlinkSync(target, link);
    oneLine(run('live', '-i', 'lo', '--write', link, '--force'), /is a symbolic link/);
    oneLine(run('live', '-i', 'lo', '--write', link), /exists|symbolic link/);
    expect(existsSync(target)).toBe(false);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });
});

describe('a file header cut short is unusable input', () => {
  const pcapHeader = pcap([], { linkType: linkType.ethernet });
  const pcapngHeader = pcapng([
    { kind: 'section', littleEndian: true },
    { kind: 'interface', linkType: linkType.ethernet },
  ]);
  const cuts = [8, 16, 23];
  it.each(cuts)('pcap cut to %i bytes: exit 2', (n) => {
    const f = join(dir, `cut${n}.pcap`);
    writeFileSync(f, pcapHeader.subarray(0, n));
    oneLine(run('info', f), new RegExp(`pcap file header cut short \\(${n} bytes\\)`));
  });
  it.each([...cuts, 27])('pcapng cut to %i bytes: exit 2', (n) => {
    const f = join(dir, `cut${n}.pcapng`);
    writeFileSync(f, pcapngHeader.subarray(0, n));
    oneLine(run(f), new RegExp(`pcapng file header cut short \\(${n} bytes\\)`));
  });
  it('the whole headers are an empty capture (exit 0), not unusable', () => {
    for (const [name, bytes] of [
      ['empty.pcap', pcapHeader],
      ['empty.pcapng', pcapngHeader],
    ] as const) {
      const f = join(dir, name);
      writeFileSync(f, bytes);
      const r = run('info', f);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/packets\s+0 /);
    }
  });
});

describe('a directory given as a capture', () => {
  it('is named in the one line', () => {
    oneLine(run(dir), new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is a directory`));
  });
});
