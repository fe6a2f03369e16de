/**
 * The shipped JSON Schemas (schemas/, draft 2020-12) hold for every output on every shared
 * capture: the result (with and without logs, and as the streamed JSON writer prints it),
 * `info --json`, `compare --json` and each `messages --json` line. Validated with ajv, a full
 * draft 2020-12 validator. Each output also keeps the naming rule of vim-analyse/2
 * (test/helpers/outputNaming.ts): durations named `ms`/`…Ms`, ISO times with `…UnixNs`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureInfo } from '../../src/pipeline/captureInfo.js';
import { compareResults } from '../../src/pipeline/compare.js';
import { resultJsonChunks } from '../../src/report/resultJson.js';
import type { AnalysisResult } from '../../src/result/types.js';
import { analysedCapture, capturedMessages } from '../helpers/analysedCaptures.js';
import { isoToNs, sharedCaptureRoot } from '../helpers/groundTruth.js';
import { namingViolations } from '../helpers/outputNaming.js';
import { sharedCaptureList } from '../helpers/sharedCaptureList.js';
import { checkOutput as check, schemaDir, validator } from '../helpers/shippedSchemas.js';

const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe('shipped JSON Schemas', () => {
  beforeAll(() => {
    sharedCaptureRoot();
  });

  it('are draft 2020-12 and compile', () => {
    for (const name of [
      'result.schema.json',
      'info.schema.json',
      'compare.schema.json',
      'message.schema.json',
      'stream-event.schema.json',
    ]) {
      const s = JSON.parse(readFileSync(resolve(schemaDir, name), 'utf8')) as { $schema: string; $id: string };
      expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(s.$id).toContain('/schemas/v2/');
      expect(typeof validator(name)).toBe('function');
    }
  });

  const captures = sharedCaptureList();
  for (const cap of captures) {
    it(`${cap.name}: result (with and without logs), info, messages and compare validate`, async () => {
      // The default result and message list are the run's shared ones (made once per run).
      const bare = json(await analysedCapture(cap.name));
      check('result.schema.json', bare, 'result');
      expect(JSON.parse([...resultJsonChunks(bare as AnalysisResult)].join(''))).toEqual(bare);
      // Statistics are rounded like the phases (ns in ms: at most 6 decimals).
      const decimals = (x: number) => (String(x).split('.')[1] ?? '').length;
      for (const byPhase of Object.values(
        (bare as { stats: Record<string, Record<string, Record<string, number | number[]>>> }).stats,
      ))
        for (const st of Object.values(byPhase))
          for (const v of Object.values(st).flat()) expect(decimals(v)).toBeLessThanOrEqual(6);
      // Each ISO time's ns companion is the same instant, to the same digits.
      const r = bare as {
        captures: { start: string | null; startUnixNs: string | null }[];
        requests: { phases: Record<string, { start: string; end: string; startUnixNs: string; endUnixNs: string }> }[];
      };
      for (const c of r.captures) expect(c.startUnixNs).toBe(c.start === null ? null : isoToNs(c.start).toString());
      for (const q of r.requests)
        for (const p of Object.values(q.phases))
          expect([p.startUnixNs, p.endUnixNs]).toEqual([isoToNs(p.start).toString(), isoToNs(p.end).toString()]);
      const withLogs = json(await analysedCapture(cap.name, cap.logs));
      check('result.schema.json', withLogs, 'result with logs');
      check('info.schema.json', json(await captureInfo(cap.file)), 'info');
      let n = 0;
      for (const m of await capturedMessages(cap.name)) {
        check('message.schema.json', JSON.parse(JSON.stringify(m)), `message ${n}`);
        if (n % 50 === 0) expect(m.tUnixNs).toBe(isoToNs(m.t).toString());
        n++;
      }
      expect(n).toBeGreaterThan(0);
      // Against the next capture of the same VIM (itself when it is the only one), as the CLI
      // writes it (compareCaptures is compareResults of the two default results).
      const vim = (bare as { vims: string[] }).vims[0];
      const same = captures.filter((c) => c.name.startsWith(vim));
      const other = same[(same.indexOf(cap) + 1) % same.length];
      const pair = [await analysedCapture(cap.name), await analysedCapture(other.name)] as const;
      const { results: _r, ...cmp } = compareResults(pair[0], pair[1], [cap.file, other.file]);
      check('compare.schema.json', json(cmp), 'compare');
      expect(Object.keys(cmp.comparisons)).toContain(vim);
    }, 180_000);
  }

  it('reject what breaks the contract (the checks are not vacuous)', async () => {
    const r = json(await analysedCapture('nomad-modern')) as {
      requests: { phases: Record<string, { ms: unknown; start: string }> }[];
      counters: Record<string, unknown>;
    };
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

  it('the naming rule fails a duration without its unit, an unrounded one, and a time without its ns', async () => {
    const r = json(await analysedCapture('nova-seq')) as AnalysisResult;
    expect(namingViolations(r)).toEqual([]);
    expect(r.diagnosis.length).toBeGreaterThan(0);
    const bad = structuredClone(r) as unknown as {
      requests: { phases: Record<string, Record<string, unknown>> }[];
      stats: Record<string, Record<string, Record<string, unknown>>>;
      diagnosis: { evidence: Record<string, unknown> }[];
    };
    bad.requests[0].phases.total.wait = 12.5;
    bad.requests[0].phases.total.ms = 12.1234567;
    bad.stats.nova.total.meanSec = 1.5;
    bad.diagnosis[0].evidence.seenAt = r.requests[0].phases.total.start;
    delete bad.requests[1].phases.total.endUnixNs;
    bad.requests[2].phases.total.startUnixNs = '1';
    const found = namingViolations(bad).join('\n');
    for (const what of [
      'phases.total.wait:',
      'phases.total.ms: 12.1234567',
      'total.meanSec:',
      'evidence.seenAt: ISO time without',
      '[1].phases.total.end: ISO time without',
      '[2].phases.total.startUnixNs: 1 is not',
    ])
      expect(found).toContain(what);
  });
});
