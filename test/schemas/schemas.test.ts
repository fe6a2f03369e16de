/**
 * The shipped JSON Schemas (schemas/, draft 2020-12) hold for every output on every shared
 * capture: the result (with and without logs), `info --json`, `compare --json` and each
 * `messages --json` line. Validated with ajv, a full draft 2020-12 validator.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse, messageLines } from '../../src/pipeline/analyse.js';
import { captureInfo } from '../../src/pipeline/captureInfo.js';
import { compareCaptures } from '../../src/pipeline/compare.js';
import { isoToNs, sharedCaptureRoot } from '../helpers/groundTruth.js';
import { sharedCaptureList } from '../helpers/sharedCaptureList.js';

const schemaDir = resolve(__dirname, '../../schemas');
// Strict about unknown keywords; subschemas of if/then refine an object typed above them.
const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
for (const f of readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json'))) ajv.addSchema(JSON.parse(readFileSync(resolve(schemaDir, f), 'utf8')) as object, f);
const validator = (name: string): ValidateFunction => ajv.getSchema(name)!;

/** Validates and says which paths failed (the message vitest prints). */
function check(name: string, value: unknown, what: string): void {
  const v = validator(name);
  const ok = v(value);
  expect(ok ? [] : (v.errors ?? []).slice(0, 5).map((e) => `${what}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
}

const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe('shipped JSON Schemas', () => {
  beforeAll(() => {
    sharedCaptureRoot();
  });

  it('are draft 2020-12 and compile', () => {
    for (const name of ['result.schema.json', 'info.schema.json', 'compare.schema.json', 'message.schema.json']) {
      const s = JSON.parse(readFileSync(resolve(schemaDir, name), 'utf8')) as { $schema: string };
      expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(typeof validator(name)).toBe('function');
    }
  });

  const captures = sharedCaptureList();
  for (const cap of captures) {
    it(`${cap.name}: result (with and without logs), info, messages and compare validate`, async () => {
      const bare = json(await analyse(cap.file));
      check('result.schema.json', bare, 'result');
      // Statistics are rounded like the phases (ns in ms: at most 6 decimals).
      const decimals = (x: number) => (String(x).split('.')[1] ?? '').length;
      for (const byPhase of Object.values((bare as { stats: Record<string, Record<string, Record<string, number | number[]>>> }).stats))
        for (const st of Object.values(byPhase)) for (const v of Object.values(st).flat()) expect(decimals(v)).toBeLessThanOrEqual(6);
      // Each ISO time's ns companion is the same instant, to the same digits.
      const r = bare as { captures: { start: string | null; startUnixNs: string | null }[]; requests: { phases: Record<string, { start: string; end: string; startUnixNs: string; endUnixNs: string }> }[] };
      for (const c of r.captures) expect(c.startUnixNs).toBe(c.start === null ? null : isoToNs(c.start).toString());
      for (const q of r.requests) for (const p of Object.values(q.phases)) expect([p.startUnixNs, p.endUnixNs]).toEqual([isoToNs(p.start).toString(), isoToNs(p.end).toString()]);
      const withLogs = json(await analyse(cap.file, { logFiles: cap.logs }));
      check('result.schema.json', withLogs, 'result with logs');
      check('info.schema.json', json(await captureInfo(cap.file)), 'info');
      let n = 0;
      for (const m of await messageLines(cap.file)) {
        check('message.schema.json', JSON.parse(JSON.stringify(m)), `message ${n}`);
        if (n % 50 === 0) expect(m.tUnixNs).toBe(isoToNs(m.t).toString());
        n++;
      }
      expect(n).toBeGreaterThan(0);
      // Against the next capture of the same VIM (itself when it is the only one), as the CLI writes it.
      const vim = (bare as { vims: string[] }).vims[0];
      const same = captures.filter((c) => c.name.startsWith(vim));
      const other = same[(same.indexOf(cap) + 1) % same.length];
      const { results: _r, ...cmp } = await compareCaptures(cap.file, other.file);
      check('compare.schema.json', json(cmp), 'compare');
      expect(Object.keys(cmp.comparisons)).toContain(vim);
    }, 180_000);
  }

  it('reject what breaks the contract (the checks are not vacuous)', async () => {
    const r = json(await analyse(captures.find((c) => c.name === 'nomad-modern')!.file)) as { requests: { phases: Record<string, { ms: unknown; start: string }> }[]; counters: Record<string, unknown> };
    const v = validator('result.schema.json');
    expect(v(r)).toBe(true);
    const badTime = structuredClone(r);
    badTime.requests[0].phases.total.start = '2026-11-24 22:47:31';
    expect(v(badTime)).toBe(false);
    const badMs = structuredClone(r);
    badMs.requests[0].phases.total.ms = '12.5';
    expect(v(badMs)).toBe(false);
    const noCounter = structuredClone(r);
    delete noCounter.counters.messagesNotKept;
    expect(v(noCounter)).toBe(false);
    expect(validator('message.schema.json')({ t: 'x', vim: 'nomad' })).toBe(false);
  });
});
