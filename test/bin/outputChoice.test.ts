/**
 * One way to choose output on every command: --format (--json its alias), `-o -` for
 * standard output, the format from -o's extension; an unknown command said as such;
 * messages --match vs live --bpf; --clock-offset with its unit; progress on info and
 * messages. Runs the built bin on the bundled examples and a large capture made here.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../helpers/groundTruth.js';
import { tempFile } from '../helpers/captureRecords.js';
import { timed } from '../helpers/netEvents.js';
import { pcap } from '../helpers/pcapWriter.js';
import { cliPath as bin } from '../helpers/cliRuns.js';

const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const nomad = join(fixturesDir, 'nomad-stock-3runs.pcap');
const nomadLog = join(fixturesDir, 'nomad-stock-3runs.nomad-client.log');
const dir = mkdtempSync(join(tmpdir(), 'vim-cli-out-'));

describe('choosing the output', () => {
  it('--json is --format json on every command that writes JSON', () => {
    for (const args of [[nomad], ['info', nomad], ['messages', nomad], ['compare', nomad, nomad]]) {
      const a = run(...args, '--json'),
        b = run(...args, '--format', 'json');
      expect(a.status, args.join(' ')).toBe(0);
      expect(a.stdout).toBe(b.stdout);
      expect(
        a.stdout
          .trim()
          .split('\n')
          .every((l) => l.startsWith('{') || l.startsWith(' ') || l === '}'),
      ).toBe(true);
    }
  });

  it('-o - writes to standard output', () => {
    for (const args of [
      [nomad, '-f', 'csv'],
      ['info', nomad],
      ['messages', nomad],
      ['compare', nomad, nomad],
      ['waterfall', nomad, '7bb9'],
    ]) {
      const r = run(...args, '-o', '-');
      const plain = run(...args);
      expect(r.status, args.join(' ')).toBe(plain.status);
      expect(r.stdout).toBe(plain.stdout);
    }
  });

  it('-o FILE without --format takes the format from the extension', () => {
    const cases: [string[], string, RegExp][] = [
      [[nomad], 'r.html', /^<!DOCTYPE html>/i],
      [[nomad], 'r.csv', /^vim,id,/],
      [[nomad], 'r.json', /^\{\s*"schema": "vim-analyse\/2"/],
      [[nomad], 'r.svg', /^<svg/],
      [['info', nomad], 'i.json', /^\{\s*"schema": "vim-analyse-info\/2"/],
      [['compare', nomad, nomad], 'c.svg', /^<svg/],
      [['compare', nomad, nomad], 'c.json', /^\{\s*"schema": "vim-analyse-compare\/2"/],
      [['messages', nomad], 'm.ndjson', /^\{"t":/],
    ];
    for (const [args, name, head] of cases) {
      const file = join(dir, name);
      const r = run(...args, '-o', file);
      expect(r.status, `${args.join(' ')} -o ${name}: ${r.stderr}`).toBe(0);
      expect(readFileSync(file, 'utf8')).toMatch(head);
    }
    // --format wins over the extension.
    const file = join(dir, 'table.json');
    expect(run(nomad, '-f', 'table', '-o', file).status).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^nomad: 3 requests/m);
    expect(readFileSync(file, 'utf8')).not.toMatch(/^\{/);
  });

  it('an unknown format or command is one line and exit 2', () => {
    for (const [args, text] of [
      [['analyze', nomad], /unknown command 'analyze' \(commands: messages, /],
      [['info', nomad, '--format', 'csv'], /info: unknown format 'csv' \(one of table, json\)/],
      [['messages', nomad, '-f', 'xml'], /messages: unknown format 'xml'/],
      [[nomad, '-f', 'yaml'], /unknown format 'yaml'/],
      // Before capturing: no interface is opened.
      [['live', '-i', 'h21-none', '-f', 'yaml'], /live: unknown format 'yaml' \(one of table, json, /],
    ] as const) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(text);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('flag names and units', () => {
  it('messages --match keeps the matching messages; --filter still works, with a deprecation note', () => {
    const all = run('messages', nomad).stdout.trim().split('\n');
    const match = run('messages', nomad, '--match', 'Node.UpdateAlloc');
    const old = run('messages', nomad, '--filter', 'Node.UpdateAlloc');
    const kept = match.stdout.trim().split('\n');
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(all.length);
    expect(kept.every((l) => l.includes('Node.UpdateAlloc'))).toBe(true);
    expect(match.stderr).toBe('');
    expect(old.stdout).toBe(match.stdout);
    expect(old.stderr).toMatch(/--filter is deprecated: use --match/);
  });

  it('live names its BPF filter --bpf', () => {
    const help = run('live', '--help').stdout;
    expect(help).toMatch(/--bpf <expression>/);
    expect(run('messages', '--help').stdout).toMatch(/--match <text>/);
  });

  it('--clock-offset takes a unit; 35ms and 0.035s are the same offset, in ms as the library', () => {
    const clock = (spec: string) =>
      (
        JSON.parse(run(nomad, '--logs', nomadLog, '--clock-offset', spec, '-f', 'json').stdout) as {
          clocks: Record<string, { offsetMs: number; source: string }>;
        }
      ).clocks.compute;
    const ms = clock('compute=35ms'),
      s = clock('compute=0.035s');
    expect(ms).toEqual(s);
    expect(ms.offsetMs).toBe(35);
    expect(ms.source).toMatch(/given/);
  });
});

describe('progress on every command that reads a large capture', () => {
  // A terminal for stderr (script(1) gives the command a pseudo-terminal). The progress line is for inputs
  // over 8 MiB: a gzip capture of 9 MiB of incompressible frames, which costs the commands almost nothing to read.
  const large = tempFile(
    'large.pcap.gz',
    gzipSync(pcap(timed(Array.from({ length: 144 }, () => randomBytes(65_536)))), { level: 1 }),
  );
  for (const cmd of ['info', 'messages']) {
    it(`${cmd} draws a progress line on a terminal, and not with -q`, () => {
      expect(statSync(large).size).toBeGreaterThan(8 * 1024 * 1024);
      const sh = (extra: string) =>
        spawnSync('script', ['-qec', `${process.execPath} ${bin} ${cmd} ${large} ${extra} -o /dev/null`, '/dev/null'], {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        });
      const r = sh('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/\r[^\r\n]*MiB \/ [\d.]+ MiB \(100%\)/);
      expect(sh('-q').stdout).not.toMatch(/MiB \//);
    }, 120_000);
  }
});
