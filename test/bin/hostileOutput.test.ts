/**
 * Wire text never reaches a terminal, a spreadsheet or an SVG raw: the bundled Nomad
 * example with one alloc id replaced (same length) by a formula, a bare CR, an OSC title,
 * a screen clear and an OSC 8 link, through the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../helpers/groundTruth.js';
import { tempFile } from '../helpers/captureRecords.js';
import { hostileId, replaceBytes } from '../helpers/hostileCaptures.js';
import { svgToPng } from '../../src/report/svgToPng.js';
import { cliPath as bin } from '../helpers/cliRuns.js';

const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const allocId = readFileSync(join(fixturesDir, 'nomad-stock-3runs.runs.tsv'), 'utf8')
  .trim()
  .split('\n')[1]
  .split('\t')[3];
const id = hostileId();
const built = replaceBytes(readFileSync(join(fixturesDir, 'nomad-stock-3runs.pcap')), allocId, id);
const capture = tempFile('hostile-ids.pcap', built.bytes);
/** Every control but the line feed that ends a line. */
const rawControl = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const shown = '=1+2\\r\\x1b]0;pwn\\x07\\x1b[2J\\x1b]8;;http://x\\x07A\\nzzz';

describe('hostile ids in the output', () => {
  it('the capture holds the id where the real one was', () => {
    expect(built.replaced).toBeGreaterThan(10);
  });
  it('table with --requests: the id shown escaped, on its own row, the requests all found', () => {
    const r = run(capture, '--requests');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(rawControl);
    expect(r.stderr).not.toMatch(rawControl);
    expect(r.stdout).toContain('nomad: 3 requests, 3 complete');
    expect(r.stdout.split('\n').filter((l) => l.startsWith(shown))).toHaveLength(1);
  });
  it('messages: ids escaped, one line per message', () => {
    const r = run('messages', capture);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(rawControl);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.every((l) => /^\d{4}-\d\d-\d\dT/.test(l))).toBe(true);
    expect(lines.filter((l) => l.includes(`alloc=${shown}`)).length).toBeGreaterThan(3);
  });
  it('csv: the formula defused, no raw control, every row whole', () => {
    const r = run(capture, '-f', 'csv');
    expect(r.status).toBe(0);
    const rows = r.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(4);
    expect(r.stdout).not.toMatch(rawControl);
    const row = rows.find((l) => l.includes('pwn'))!;
    expect(row.split(',')[1]).toBe(`'${shown}`);
  });
  it('waterfall SVG: well-formed XML that renders, the id shown escaped', () => {
    const r = run('waterfall', capture, '=1+2');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(r.stdout).toContain('\\x1b]0;pwn');
    expect(svgToPng(r.stdout).length).toBeGreaterThan(1000);
  });
});
