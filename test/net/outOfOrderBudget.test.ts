/**
 * Out-of-order segments held by the reassembler come from the session's byte budget, like
 * the parsers' bodies: 40 connections each holding 1 MiB behind a hole that never fills
 * stay within a 4 MiB budget, the cuts counted. Peak RSS is compared with the same bytes
 * sent in order (nothing held), measured the same way in a child process.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostilePcap, outOfOrderHolds } from '../helpers/hostileCaptures.js';
import { measuredAnalyse } from '../helpers/measuredRun.js';

const MB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'vim-ooo-'));
const at = {
  server: ['10.99.0.1', 4646] as [string, number],
  startNs: 1_700_000_000_000_000_000n,
  spanNs: 1_000_000_000n,
};

function measured(filled: boolean) {
  const file = join(dir, filled ? 'inorder.pcap' : 'holds.pcap');
  writeFileSync(file, hostilePcap(outOfOrderHolds(40, MB, { ...at, filled })));
  return measuredAnalyse(file, { limits: { maxHeldBytes: 4 * MB } });
}

describe('out-of-order data on many connections', () => {
  it('40 connections holding 1 MiB each: held within the 4 MiB budget, evictions counted', () => {
    const held = measured(false);
    const inOrder = measured(true);
    const p = held.counters.protocols as Record<string, Record<string, number>>;
    // 40 MiB would be held without the budget; at most 4 of the 1 MiB holders fit in it.
    expect(p.memory['evictions.tcp']).toBeGreaterThanOrEqual(36);
    expect(p.memory.evictedBytes).toBeGreaterThanOrEqual(36 * MB);
    expect(held.warnings.some((w) => w.includes('--max-held-bytes'))).toBe(true);
    expect((held.counters.net as { outOfOrder: number }[])[0].outOfOrder).toBeGreaterThanOrEqual(40 * 724);
    expect(inOrder.counters.protocols).not.toHaveProperty('memory');
    // Within the budget and some slack of the same bytes in order (40 MiB more without it).
    expect(held.maxRssBytes - inOrder.maxRssBytes).toBeLessThan(4 * MB + 16 * MB);
  }, 60_000);
});
