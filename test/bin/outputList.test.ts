/**
 * `-o` repeated (the main job, `messages`): one analysis writes every output asked for, each in the format its FORMAT=
 * prefix or its extension names, each the very bytes the library's formatter makes of that
 * analysis; what cannot be told apart (no format, a file twice, --format beside several) is one
 * line and exit 2 before any capture is read.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseWithMessages } from '../../src/pipeline/analyse.js';
import { formatResult, type ResultFormat } from '../../src/report/formatResult.js';
import { resultJsonChunks } from '../../src/report/resultJson.js';
import { terminalText } from '../../src/report/visible.js';
import { cliPath } from '../helpers/cliRuns.js';
import { fixturesDir } from '../helpers/groundTruth.js';

const run = (...args: string[]) => spawnSync(process.execPath, [cliPath, ...args], { encoding: 'latin1' });
const nomad = join(fixturesDir, 'nomad-stock-3runs.pcap');
const log = join(fixturesDir, 'nomad-stock-3runs.nomad-client.log');
const dir = mkdtempSync(join(tmpdir(), 'vim-outputs-'));

/** What the library makes of the analysis in `format`, as the CLI writes it. */
function libraryBytes(
  analysis: Awaited<ReturnType<typeof analyseWithMessages>>,
  format: ResultFormat,
  requests: boolean,
): Buffer {
  if (format === 'json') return Buffer.from([...resultJsonChunks(analysis.result)].join(''), 'utf8');
  const formatted = formatResult(analysis.result, format, { requests, messages: analysis.messages });
  if (typeof formatted !== 'string') return Buffer.from(formatted);
  return Buffer.from(format === 'table' ? terminalText(formatted) : formatted, 'utf8');
}

describe('several -o from one analysis', () => {
  // Every result format once: by extension where one names it, by prefix where none does.
  const outputs: [string, ResultFormat][] = [
    ['r.txt', 'table'],
    ['r.json', 'json'],
    ['r.csv', 'csv'],
    ['r.svg', 'svg'],
    ['r.html', 'html'],
    ['chrome=trace.json', 'chrome'],
    ['otlp=spans.json', 'otlp'],
    ['r.pb', 'otlp-proto'],
  ];
  const fileOf = (spec: string) => join(dir, spec.replace(/^[a-z-]+=/, ''));
  const argOf = (spec: string) => spec.replace(/^([a-z-]+=)?/, (prefix) => prefix + dir + '/');

  it('writes each in its format, the bytes the library formats of the same analysis', async () => {
    const r = run(nomad, '--logs', log, '--requests', ...outputs.flatMap(([spec]) => ['-o', argOf(spec)]));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const analysis = await analyseWithMessages(nomad, { logFiles: [log] });
    expect(analysis.result.requests).toHaveLength(3);
    for (const [spec, format] of outputs) {
      const written = readFileSync(fileOf(spec));
      expect(written.length, spec).toBeGreaterThan(200);
      expect(written.equals(libraryBytes(analysis, format, true)), `${spec} is ${format}`).toBe(true);
    }
  });

  it('one of them may be standard output (FORMAT=-)', () => {
    const file = join(dir, 'with-stdout.json');
    const r = run(nomad, '-o', 'csv=-', '-o', file);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^vim,id,/);
    expect(r.stdout).toBe(run(nomad, '-f', 'csv').stdout);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ schema: 'vim-analyse/2' });
  });

  it('with one -o, FORMAT= is --format: the same output', () => {
    const a = join(dir, 'one-prefixed.out');
    expect(run(nomad, '-o', `chrome=${a}`).status).toBe(0);
    expect(readFileSync(a, 'latin1')).toBe(run(nomad, '-f', 'chrome').stdout);
    // A name whose part before '=' is no format is a file name.
    const b = join(dir, 'x=y.csv');
    expect(run(nomad, '-o', b).status).toBe(0);
    expect(readFileSync(b, 'utf8')).toMatch(/^vim,id,/);
  });

  it('messages: NDJSON and text from one reading, each what a run of its own writes', () => {
    const ndjson = join(dir, 'm.ndjson'),
      text = join(dir, 'm.txt');
    const r = run('messages', nomad, '-q', '-o', ndjson, '-o', text);
    expect(r.status, r.stderr).toBe(0);
    const ownJson = run('messages', nomad, '--json').stdout;
    expect(ownJson.split('\n').length).toBeGreaterThan(50);
    expect(readFileSync(ndjson, 'latin1')).toBe(ownJson);
    expect(readFileSync(text, 'latin1')).toBe(run('messages', nomad).stdout);
  });

  it('an output that cannot be opened changes none of the others: exit 2, no file made, none emptied', () => {
    const sub = mkdtempSync(join(dir, 'unopened-'));
    const kept = join(sub, 'kept.json');
    writeFileSync(kept, 'earlier result');
    const r = run(nomad, '-o', kept, '-o', join(sub, 'new.csv'), '-o', '/nonexistent/x.html');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('vim-analyse: /nonexistent/x.html: no such file');
    expect(readFileSync(kept, 'utf8')).toBe('earlier result');
    expect(existsSync(join(sub, 'new.csv'))).toBe(false);
    // And when all open, each is written whole (an earlier, longer content is gone).
    writeFileSync(kept, 'x'.repeat(1 << 20));
    expect(run(nomad, '-o', kept, '-o', 'csv=/dev/null').status).toBe(0);
    expect(JSON.parse(readFileSync(kept, 'utf8'))).toMatchObject({ schema: 'vim-analyse/2' });
  });

  it.each([
    [['-o', 'DIR/a.json', '-o', 'DIR/a.json'], /^vim-analyse: -o .*a\.json given twice$/],
    [['-o', 'DIR/a.json', '-o', 'DIR/./a.json'], /^vim-analyse: -o .*a\.json given twice$/],
    [['-o', 'csv=-', '-o', 'json=-'], /^vim-analyse: -o - given twice$/],
    [['-o', '-', '-o', 'DIR/a.json'], /^vim-analyse: -o -: no format in its name; say it as FORMAT=-/],
    [['-o', 'DIR/a.json', '-o', 'DIR/a.out'], /^vim-analyse: -o .*a\.out: no format in its name; say it as FORMAT=/],
    [['-f', 'csv', '-o', 'DIR/a.json', '-o', 'DIR/b.csv'], /with several -o, each names its format/],
    [['--json', '-o', 'DIR/a.json', '-o', 'DIR/b.csv'], /with several -o, each names its format/],
    [
      ['-f', 'csv', '-o', 'json=DIR/a.json'],
      /^vim-analyse: -o json=.*a\.json names another format than --format\/--json \(csv\)$/,
    ],
  ])('%j: one line, exit 2, no file written', (args, line) => {
    const sub = mkdtempSync(join(dir, 'bad-'));
    const r = run(nomad, ...args.map((a) => a.replace('DIR', sub)));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(line);
    expect(existsSync(join(sub, 'a.json')) || existsSync(join(sub, 'b.csv'))).toBe(false);
  });
});
