/** readLog: `[HOST=]PATH`, gzip by content, streaming, counters on files that are not logs. */
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hostFromFileName } from '../../src/logs/collector.js';
import { parseLogSpec, readLog } from '../../src/logs/readLog.js';

const dir = mkdtempSync(join(tmpdir(), 'vimlogs-read-'));
const LINES = [
  '2026-11-25 05:37:58.469 14206 INFO nova.compute.vimts [None req-09501eaf-cdff-42c1-9cb8-9171cce68dc2 u p - - default default] vimts t=1795585078.469655862 id=i1 phase=build edge=begin',
  'garbage line',
  'vimts t=1795585079.208692197 id=i1 phase=build edge=end',
];

describe('log spec', () => {
  it('HOST=PATH, a bare path, a path with = that exists as written', () => {
    const withEq = join(dir, 'a=b.log');
    writeFileSync(withEq, '');
    expect(parseLogSpec('cmp1=/var/log/x.log')).toEqual({ host: 'cmp1', path: '/var/log/x.log' });
    expect(parseLogSpec('/var/log/x.log')).toEqual({ path: '/var/log/x.log' });
    expect(parseLogSpec(withEq)).toEqual({ path: withEq });
    expect(parseLogSpec('./dir=1/x.log')).toEqual({ path: './dir=1/x.log' });
  });

  it('host from the file name when the content names none', () => {
    expect(hostFromFileName('/var/log/nova/nova-compute.log.1.gz')).toBe('nova-compute');
    expect(hostFromFileName('cmp7.txt')).toBe('cmp7');
  });
});

describe('readLog', () => {
  it('plain, CRLF and gzip (by content, not name) read alike; HOST= names the host', async () => {
    const plain = join(dir, 'compute.log');
    const crlf = join(dir, 'crlf.log');
    const gz = join(dir, 'rotated.1');
    writeFileSync(plain, `${LINES.join('\n')}\n`);
    writeFileSync(crlf, `${LINES.join('\r\n')}\r\n`);
    writeFileSync(gz, gzipSync(`${LINES.join('\n')}\n`));
    const results = await Promise.all([readLog(`cmp1=${plain}`), readLog(`cmp1=${crlf}`), readLog(`cmp1=${gz}`)]);
    for (const r of results) {
      expect(r.host).toBe('cmp1');
      expect(r.counters).toEqual({ lines: 3, used: 2, malformed: 0, unrecognised: 1, byFormat: { oslo: 1, vimts: 2 } });
      expect(r.events.map((e) => [e.host, e.timeNs, e.line, e.requestId])).toEqual([
        ['cmp1', 1795585078469655862n, 1, 'req-09501eaf-cdff-42c1-9cb8-9171cce68dc2'],
        ['cmp1', 1795585079208692197n, 3, undefined],
      ]);
    }
    expect((await readLog(plain)).host).toBe('compute');
  });

  it('a truncated gzip keeps the lines before the damage and warns', async () => {
    const body = Array.from(
      { length: 20000 },
      (_, i) => `vimts t=${1000 + i}.000000001 id=a${i} phase=p edge=begin`,
    ).join('\n');
    const whole = gzipSync(body);
    const cut = join(dir, 'cut.gz');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const r = await readLog(cut);
    expect(r.events.length).toBeGreaterThan(100);
    expect(r.events.length).toBeLessThan(20000);
    expect(r.events.every((e, i) => e.id === `a${i}`)).toBe(true);
    expect(r.warnings.at(-1)!.message).toMatch(/gzip stream ended early/);
  });

  it('an unrelated text file: zero events, every line unrecognised', async () => {
    const path = resolve(__dirname, '../../tsconfig.json');
    const lines = readFileSync(path, 'utf8').split('\n');
    const n = lines.at(-1) === '' ? lines.length - 1 : lines.length;
    const r = await readLog(path);
    expect(r.events).toEqual([]);
    expect(r.formats).toEqual([]);
    expect(r.counters).toEqual({ lines: n, used: 0, malformed: 0, unrecognised: n, byFormat: {} });
    expect(r.host).toBe('tsconfig.json');
  });

  it('a missing file rejects', async () => {
    await expect(readLog(join(dir, 'nope.log'))).rejects.toThrow(/ENOENT/);
  });

  it('speed: a few hundred thousand lines per second on a Nova-like mix, keeping only events', async () => {
    const path = join(dir, 'big.log');
    const out = createWriteStream(path);
    const n = 300_000;
    const ctx =
      '[None req-09501eaf-cdff-42c1-9cb8-9171cce68dc2 fd867398dbbb423faad82db2ec3db721 1e86136875f1495296b53da461756ba1 - - default default]';
    for (let i = 0; i < n; i++) {
      const s = String(i % 60).padStart(2, '0');
      out.write(
        i % 10 === 0
          ? `2026-11-25 05:37:${s}.469 14206 INFO nova.compute.vimts ${ctx} vimts t=1795585078.${String(i).padStart(9, '0')} id=i${i} phase=spawn edge=begin host=compute1\n`
          : `2026-11-25 05:37:${s}.490 14206 INFO nova.compute.claims ${ctx} [instance: b956784b-1e94-4804-8591-9ca1c98c8560] Claim successful on node compute1\n`,
      );
    }
    await new Promise((r) => out.end(r));
    const t0 = performance.now();
    const r = await readLog(path);
    const seconds = (performance.now() - t0) / 1000;
    const rate = n / seconds;
    console.log(`readLog: ${n} lines in ${seconds.toFixed(2)} s = ${Math.round(rate / 1000)}k lines/s`);
    expect(r.events.length).toBe(n / 10);
    expect(r.counters.lines).toBe(n);
    // Loose floor: the test machine is shared; the figure printed above is the measurement.
    expect(rate).toBeGreaterThan(50_000);
  });
});
