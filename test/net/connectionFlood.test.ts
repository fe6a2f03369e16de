/**
 * Floods of connections that carry nothing must cost the attacker's connections, not the
 * real ones, and never a scan of the table per packet: 100,000 unanswered SYNs to the Nomad
 * API port in the second before the nomad-2016-stock traffic, through the real pipeline.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/readCapture.js';
import { SessionClock } from '../../src/capture/sessionClock.js';
import { capturePath, runsOf } from '../helpers/groundTruth.js';
import { hostilePcap, synFlood, type TimedFrame } from '../helpers/hostileCaptures.js';
import { measuredAnalyse } from '../helpers/measuredRun.js';

const dir = mkdtempSync(join(tmpdir(), 'vim-flood-'));

async function framesOf(path: string): Promise<TimedFrame[]> {
  const clock = new SessionClock();
  const out: TimedFrame[] = [];
  await readCapture(path, (r) => out.push({ ts: BigInt(r.ts), data: r.bytes.slice() }), { clock });
  for (const f of out) f.ts = clock.absoluteNs(Number(f.ts));
  return out;
}

describe('a SYN flood before real traffic', () => {
  it('100,000 SYNs in the preceding second: all 40 requests still found, within the memory bound', async () => {
    const real = await framesOf(capturePath('nomad-2016-stock'));
    const flood = synFlood(100_000, {
      server: ['10.99.0.1', 4646],
      startNs: real[0].ts - 1_000_000_000n,
      spanNs: 999_000_000n,
    });
    const file = join(dir, 'flood.pcap');
    writeFileSync(file, hostilePcap(real, flood));
    // A 96 MB heap: what is kept live is bounded; RSS as the user sees it.
    const r = measuredAnalyse(file, {}, ['--max-old-space-size=96']);
    const truth = runsOf('nomad-2016-stock');
    expect(r.requests).toBe(truth.length);
    expect(r.complete).toBe(40);
    const net = (r.counters.net as { quietConnectionsEnded: number; connections: number }[])[0];
    expect(net.connections).toBeGreaterThanOrEqual(100_000);
    expect(net.quietConnectionsEnded).toBeGreaterThanOrEqual(90_000);
    expect(r.maxRssBytes).toBeLessThan(200 * 1024 * 1024);
  }, 60_000);

  it('past --max-connections the least recently used connection ends, no packet is refused', async () => {
    const real = await framesOf(capturePath('nomad-2016-stock'));
    const flood = synFlood(20_000, {
      server: ['10.99.0.1', 4646],
      startNs: real[0].ts - 1_000_000_000n,
      spanNs: 999_000_000n,
    });
    const file = join(dir, 'flood-small.pcap');
    writeFileSync(file, hostilePcap(real, flood));
    const r = measuredAnalyse(file, { reassembly: { maxConnections: 1000, maxQuietConnections: 100_000 } });
    expect(r.complete).toBe(40);
    const net = (r.counters.net as { connectionLimitHits: number }[])[0];
    expect(net.connectionLimitHits).toBeGreaterThanOrEqual(19_000);
    expect(r.warnings.some((w) => w.includes('least recently used'))).toBe(true);
  }, 60_000);
});
