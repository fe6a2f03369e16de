/**
 * HTTP shapes an attacker can send, through the real pipeline in a child process: the
 * bound each holds is asserted on the child's peak RSS and on its time (loose: the
 * machine is shared), with the counters that say what was cut.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  brotliBomb,
  chunkStorm,
  compressedBodies,
  hostilePcap,
  pipelinedRequests,
} from '../../helpers/hostileCaptures.js';
import { measuredAnalyse } from '../../helpers/measuredRun.js';

const dir = mkdtempSync(join(tmpdir(), 'vim-http-hostile-'));
const at = {
  server: ['10.99.0.1', 4646] as [string, number],
  startNs: 1_700_000_000_000_000_000n,
  spanNs: 1_000_000_000n,
};
const MB = 1024 * 1024;
type Http = Record<string, number>;

describe('hostile HTTP framing', () => {
  it('2 million one-byte chunks in one body: one growing buffer, bounded memory', () => {
    const file = join(dir, 'chunks.pcap');
    writeFileSync(file, hostilePcap(chunkStorm(2_000_000, at)));
    const r = measuredAnalyse(file);
    expect(r.maxRssBytes).toBeLessThan(200 * MB);
    expect(r.seconds).toBeLessThan(20);
    expect((r.counters.protocols as Record<string, Http>).http.requests).toBe(1);
  }, 60_000);

  it('200,000 pipelined requests never answered: an indexed queue with a cap, linear time', () => {
    const file = join(dir, 'pipeline.pcap');
    writeFileSync(file, hostilePcap(pipelinedRequests(200_000, at)));
    const r = measuredAnalyse(file);
    const http = (r.counters.protocols as Record<string, Http>).http;
    expect(http.requests).toBe(200_000);
    expect(http.exchanges).toBe(200_000);
    expect(http.pendingLimitHits).toBeGreaterThan(190_000);
    expect(r.maxRssBytes).toBeLessThan(200 * MB);
    // Quadratic before: 400,000 took 117 s.
    expect(r.seconds).toBeLessThan(15);
  }, 60_000);

  it('1,000 brotli bombs (16 MiB each from ~30 bytes): decoding stops at the session budget', () => {
    const bomb = brotliBomb(16 * MB);
    expect(bomb.length).toBeLessThan(200);
    const file = join(dir, 'bombs.pcap');
    writeFileSync(file, hostilePcap(compressedBodies(1000, bomb, at)));
    const r = measuredAnalyse(file, { limits: { maxInflatedBytes: 64 * MB } });
    const http = (r.counters.protocols as Record<string, Http>).http;
    expect(http.exchanges).toBe(1000);
    expect(http.inflatedBytes).toBeLessThanOrEqual(64 * MB);
    expect(http.inflateBudgetHits).toBeGreaterThan(980);
    expect(r.warnings.filter((w) => w.includes('nor any later compressed body'))).toHaveLength(1);
    expect(r.maxRssBytes).toBeLessThan(200 * MB);
    expect(r.seconds).toBeLessThan(15);
  }, 60_000);
});
