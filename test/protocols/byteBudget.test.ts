/**
 * One byte budget for every parser of a session: the largest of the oldest holders gives
 * its bytes up first; through the pipeline, 150 unfinished 1 MB request bodies (8 MiB
 * declared) stay within it and every request is still counted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpConnectionParser } from '../../src/protocols/http/parser.js';
import {
  defaultProtocolLimits,
  type HttpExchange,
  type ProtocolContext,
  type ProtocolWarning,
} from '../../src/protocols/types.js';
import { conn } from './http/harness.js';
import { hostilePcap, unfinishedBodies } from '../helpers/hostileCaptures.js';
import { measuredAnalyse } from '../helpers/measuredRun.js';

const MB = 1024 * 1024;
const text = (s: string) => new TextEncoder().encode(s);

describe('the session budget as the parsers share it', () => {
  it('a small real response body survives while large junk bodies that grew after it are cut; cuts counted and said once', () => {
    const warnings: ProtocolWarning[] = [];
    const ctx: ProtocolContext = {
      counters: {},
      warn: (w) => warnings.push(w),
      limits: { ...defaultProtocolLimits, maxHeldBytes: MB },
    };
    const exchanges: HttpExchange[] = [];
    const parser = (id: number) => new HttpConnectionParser({ ...conn, id }, (ex) => exchanges.push(ex), ctx);
    const body = JSON.stringify([
      { ID: 'a1b2c3d4-0000-4000-8000-000000000001', JobID: 'real', ClientStatus: 'running' },
    ]);
    const real = parser(1);
    real.data(0, text('GET /v1/job/real/allocations HTTP/1.1\r\nHost: x\r\n\r\n'), 1);
    real.data(
      1,
      text(
        `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 20)}`,
      ),
      2,
    );
    // Five junk uploads of 300 kB each (2 MB declared) after it: 1.5 MB against a 1 MiB budget.
    const junk = [2, 3, 4, 5, 6].map(parser);
    for (const [k, j] of junk.entries()) {
      j.data(0, text('PUT /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n'), 10 + k);
      for (let n = 0; n < 300_000; n += 30_000) j.data(0, new Uint8Array(30_000).fill(0x41), 10 + k);
    }
    real.data(1, text(body.slice(20)), 20);
    real.end(0, 21, 'fin');
    real.end(1, 21, 'fin');
    for (const j of junk) for (const d of [0, 1] as const) j.end(d, 22, 'fin');
    const got = exchanges.find((e) => e.conn.id === 1)!;
    expect(got.response!.bodyTruncated).toBe(false);
    expect(Buffer.from(got.response!.body).toString()).toBe(body);
    expect(exchanges.filter((e) => e.conn.id !== 1 && e.request.bodyTruncated)).not.toHaveLength(0);
    expect(ctx.counters.memory.evictions).toBeGreaterThan(0);
    expect(ctx.counters.memory['evictions.http']).toBe(ctx.counters.memory.evictions);
    expect(warnings.filter((w) => w.message.includes('--max-held-bytes'))).toHaveLength(1);
  });
});

describe('a body larger than the whole budget', () => {
  it('is cut once and gives its bytes back at once: a later body is not charged for it', () => {
    const ctx: ProtocolContext = {
      counters: {},
      warn: () => {},
      limits: { ...defaultProtocolLimits, maxHeldBytes: MB },
    };
    const exchanges: HttpExchange[] = [];
    const parser = (id: number) => new HttpConnectionParser({ ...conn, id }, (ex) => exchanges.push(ex), ctx);
    const upload = parser(1);
    upload.data(0, text('PUT /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n'), 1);
    // Its buffer doubles to 1 MiB (the whole budget), then is refused at 2 MiB.
    for (let n = 0; n < 2_000_000; n += 100_000) upload.data(0, new Uint8Array(100_000).fill(0x41), 2);
    expect(ctx.counters.http.budgetCuts).toBe(1);
    const body = JSON.stringify({ pad: 'x'.repeat(900_000) });
    const reply = parser(2);
    reply.data(0, text('GET /v1/jobs HTTP/1.1\r\nHost: x\r\n\r\n'), 3);
    reply.data(1, text(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`), 4);
    for (const p of [upload, reply]) for (const d of [0, 1] as const) p.end(d, 5, 'fin');
    expect(Buffer.from(exchanges.find((e) => e.conn.id === 2)!.response!.body).toString()).toBe(body);
    expect(exchanges.find((e) => e.conn.id === 1)!.request.bodyTruncated).toBe(true);
    // The refused upload held 1 MiB; had it kept it counted, the reply would have evicted it again.
    expect(ctx.counters.memory?.evictions ?? 0).toBe(0);
    expect(ctx.counters.http.budgetCuts).toBe(1);
  });
});

describe('unfinished bodies through the pipeline', () => {
  it('150 request bodies of 1 MB (8 MiB declared): held bytes stay within the budget, all requests counted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vim-budget-'));
    const file = join(dir, 'bodies.pcap');
    writeFileSync(
      file,
      hostilePcap(
        unfinishedBodies(150, 8 * MB, MB, {
          server: ['10.99.0.1', 4646],
          startNs: 1_700_000_000_000_000_000n,
          spanNs: 1_000_000_000n,
        }),
      ),
    );
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
