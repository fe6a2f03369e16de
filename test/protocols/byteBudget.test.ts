/**
 * One byte budget for every parser of a session: the holders that grew longest ago give
 * their bytes up first; through the pipeline, 150 unfinished 1 MB request bodies (8 MiB
 * declared) stay within it and every request is still counted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ByteBudget, type BudgetHolder } from '../../src/protocols/byteBudget.js';
import { defaultProtocolLimits, type ProtocolContext, type ProtocolWarning } from '../../src/protocols/types.js';
import { hostilePcap, unfinishedBodies } from '../helpers/hostileCaptures.js';
import { measuredAnalyse } from '../helpers/measuredRun.js';

const MB = 1024 * 1024;

function holder(name: string, evicted: string[]): BudgetHolder {
  return { held: 0, protocol: 'http', evict: () => evicted.push(name) };
}

describe('ByteBudget', () => {
  it('evicts the holder that grew longest ago, counts it, warns once', () => {
    const warnings: ProtocolWarning[] = [];
    const ctx: ProtocolContext = { counters: {}, warn: (w) => warnings.push(w), limits: { ...defaultProtocolLimits, maxHeldBytes: 100 } };
    const b = new ByteBudget(ctx);
    const evicted: string[] = [];
    const [x, y, z] = ['x', 'y', 'z'].map((n) => holder(n, evicted));
    expect(b.resize(x, 40)).toBe(true);
    expect(b.resize(y, 40)).toBe(true);
    expect(b.resize(x, 50)).toBe(true); // x grew last: y is now the oldest
    expect(b.resize(z, 30)).toBe(true);
    expect(evicted).toEqual(['y']);
    expect(y.held).toBe(0);
    expect(b.resize(z, 60)).toBe(true);
    expect(evicted).toEqual(['y', 'x']);
    expect(ctx.counters.memory).toEqual({ evictions: 2, evictedBytes: 90 });
    expect(warnings).toHaveLength(1);
    expect(b.resize(z, 101)).toBe(false); // never more than the whole budget
    b.release(z);
    expect(b.resize(x, 100)).toBe(true);
  });
});

describe('unfinished bodies through the pipeline', () => {
  it('150 request bodies of 1 MB (8 MiB declared): held bytes stay within the budget, all requests counted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vim-budget-'));
    const file = join(dir, 'bodies.pcap');
    writeFileSync(file, hostilePcap(unfinishedBodies(150, 8 * MB, MB, { server: ['10.99.0.1', 4646], startNs: 1_700_000_000_000_000_000n, spanNs: 1_000_000_000n })));
    const r = measuredAnalyse(file);
    const p = r.counters.protocols as Record<string, Record<string, number>>;
    expect(p.http.requests).toBe(150);
    expect(p.http.incomplete).toBe(150);
    // 150 MB would be held without the budget (32 MiB): most bodies are cut.
    expect(p.memory.evictedBytes).toBeGreaterThan(100 * MB);
    expect(r.warnings.some((w) => w.includes('--max-held-bytes'))).toBe(true);
    expect(r.maxRssBytes).toBeLessThan(200 * MB);
  }, 60_000);
});
