/**
 * The command line as a user runs it (the built bin): the README's first command on the
 * bundled examples, every output format free of secrets, and bad input answered with one
 * clear line and exit status 2 — never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir, secretsOf } from '../helpers/groundTruth.js';
import { cliPath as bin } from '../helpers/cliRuns.js';

const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'latin1', maxBuffer: 1 << 28 });
const runs = new Map<string, ReturnType<typeof run>>();
/** `run`, once per argument list in this file: for the runs several tests only read. */
const runOnce = (...args: string[]) => {
  const key = args.join('\0');
  if (!runs.has(key)) runs.set(key, run(...args));
  return runs.get(key)!;
};
const nova = join(fixturesDir, 'nova-seq-3runs.pcapng.gz');
const nomad = join(fixturesDir, 'nomad-stock-3runs.pcap');
const dir = mkdtempSync(join(tmpdir(), 'vim-cli-'));

describe('the README first command, on the bundled examples', () => {
  it('analyses the Nova example: 3 complete boots with every phase', () => {
    const r = run(nova, '--requests', '--logs', join(fixturesDir, 'nova-seq-3runs.nova-compute.log'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('nova: 3 requests, 3 complete');
    for (const p of ['api', 'scheduling', 'dispatch', 'compute', 'notification', 'spawn.create_image'])
      expect(r.stdout).toMatch(new RegExp(`^\\s*${p.replace('.', '\\.')}\\s+3\\s`, 'm'));
    expect(r.stderr).toBe('');
  });
  it('analyses the Nomad example with its client log', () => {
    const r = run(nomad, '--logs', join(fixturesDir, 'nomad-stock-3runs.nomad-client.log'), '-f', 'json');
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout) as { requests: { id: string; complete: boolean }[] };
    const truth = readFileSync(join(fixturesDir, 'nomad-stock-3runs.runs.tsv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t')[3]);
    expect(
      res.requests
        .filter((q) => q.complete)
        .map((q) => q.id)
        .sort(),
    ).toEqual([...truth].sort());
  });
});

describe('no secret in any output', () => {
  const secrets = secretsOf('nova-seq');
  const formats = ['table', 'json', 'csv', 'svg', 'html', 'chrome', 'otlp', 'otlp-proto'];
  // One analysis writes all eight (-o FORMAT=FILE, repeated; outputList.test.ts: the bytes the library makes).
  const outFile = (format: string) => join(dir, `out.${format}`);
  const allFormats = () => runOnce(nova, '--requests', ...formats.flatMap((f) => ['-o', `${f}=${outFile(f)}`]));
  it.each(formats)('-o %s=FILE', (format) => {
    const out = outFile(format);
    const r = allFormats();
    expect(r.status).toBe(0);
    const text = readFileSync(out, 'latin1') + r.stdout + r.stderr;
    expect(text.length).toBeGreaterThan(500);
    for (const s of secrets) expect(text.includes(s), `secret in --format ${format}`).toBe(false);
  });
  it('messages, info, waterfall', () => {
    const id = (JSON.parse(runOnce(nova, '-f', 'json').stdout) as { requests: { id: string }[] }).requests[0].id;
    for (const args of [
      ['messages', nova, '--json'],
      ['messages', nova],
      ['info', nova, '--json'],
      ['waterfall', nova, id],
    ]) {
      const r = runOnce(...args);
      expect(r.status, args.join(' ')).toBe(0);
      for (const s of secrets) expect((r.stdout + r.stderr).includes(s), `secret in ${args[0]}`).toBe(false);
    }
  });
  it('and the fixture really carries them (so the check can fail)', () => {
    const raw = spawnSync('sh', ['-c', `gunzip -c '${nova}'`], { encoding: 'latin1', maxBuffer: 1 << 28 }).stdout;
    expect(secrets.some((s) => raw.includes(s))).toBe(true);
  });
});

describe('bad input', () => {
  const cases: [string, string[], RegExp][] = [
    ['a file that is not a capture', [resolve(__dirname, '../../package.json')], /not a pcap or pcapng capture/],
    ['a missing file', [join(dir, 'nope.pcap')], /no such file/],
    ['a directory', [dir], /is a directory/],
    ['an unknown format', [nova, '-f', 'xml'], /unknown format 'xml'/],
    ['an unknown VIM', [nova, '--vim', 'xen'], /--vim must be one of nova, nomad/],
    ['a bad clock offset', [nova, '--clock-offset', 'compute1'], /HOST=OFFSET with a unit/],
    ['a clock offset without its unit', [nova, '--clock-offset', 'compute1=0.035'], /HOST=OFFSET with a unit/],
    ['no capture at all', [], /Usage/],
    [
      'an empty file',
      [
        (() => {
          const f = join(dir, 'empty.pcap');
          writeFileSync(f, '');
          return f;
        })(),
      ],
      /empty input/,
    ],
    ['a waterfall of an unknown request', ['waterfall', nova, 'zzzz'], /no request 'zzzz'/],
    [
      'a limit that is not a number',
      [nova, '--max-messages', 'lots'],
      /--max-messages wants a positive whole number \(got 'lots'\)/,
    ],
    ['a zero limit', ['messages', nova, '--max-connections', '0'], /--max-connections wants a positive whole number/],
  ];
  it.each(cases)('%s: exit 2, one clear line, no stack trace', (_, args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  });
  it('a capture cut short: analysed up to the cut, with a warning, exit 0', () => {
    const whole = spawnSync('sh', ['-c', `gunzip -c '${nova}'`], { encoding: 'latin1', maxBuffer: 1 << 28 }).stdout;
    const cut = join(dir, 'cut.pcapng');
    writeFileSync(cut, Buffer.from(whole, 'latin1').subarray(0, Math.floor(whole.length * 0.6)));
    const r = run(cut, '-f', 'json');
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout) as { warnings: string[]; requests: unknown[] };
    expect(res.warnings.some((w) => /ends inside a block/.test(w))).toBe(true);
    expect(res.requests.length).toBeGreaterThan(0);
  });
});

describe('limits as options', () => {
  it('--max-messages bounds the kept messages: counted and named in the result, timelines unchanged', () => {
    const full = JSON.parse(runOnce(nova, '-f', 'json').stdout) as {
      requests: unknown[];
      counters: { messagesNotKept: number };
    };
    const r = run(nova, '-f', 'json', '--max-messages', '100');
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout) as {
      requests: unknown[];
      warnings: string[];
      counters: { messagesNotKept: number };
    };
    expect(full.counters.messagesNotKept).toBe(0);
    expect(res.counters.messagesNotKept).toBeGreaterThan(0);
    expect(res.warnings.some((w) => w.startsWith('message limit (100) reached'))).toBe(true);
    expect(res.requests).toEqual(full.requests);
  });
  it('messages lists every message by default; with --max-messages it says how many it left out', () => {
    const all = runOnce('messages', nova, '--json').stdout.trim().split('\n');
    expect(all.length).toBeGreaterThan(300);
    const r = run('messages', nova, '--json', '--max-messages', '100');
    expect(r.stdout.trim().split('\n')).toHaveLength(100);
    expect(r.stderr).toBe(`vim-analyse: ${all.length - 100} later messages not listed: more than --max-messages 100\n`);
  });
  it('--max-body-bytes reaches the parsers, --max-connections the reassembler', () => {
    const r = run(nova, '-f', 'json', '--max-body-bytes', '512', '--max-connections', '2');
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout) as {
      counters: { protocols: Record<string, Record<string, number>>; net: { connectionLimitHits: number }[] };
    };
    expect(res.counters.protocols.amqp.bodyTruncated).toBeGreaterThan(0);
    expect(res.counters.net[0].connectionLimitHits).toBeGreaterThan(0);
  });
});
