/**
 * Partial msgpack RPC messages on many yamux streams of one Nomad RPC connection (each
 * declaring an 8 MiB body): what the stream decoders hold comes from the session's budget.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostilePcap, yamuxStreams } from '../../helpers/hostileCaptures.js';
import { measuredAnalyse } from '../../helpers/measuredRun.js';

const MB = 1024 * 1024;

describe('many yamux streams with partial messages', () => {
  it('60 streams, 1 MB of an 8 MiB body each: cut to the budget, every stream opened', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vim-yamux-hostile-')), 'streams.pcap');
    writeFileSync(
      file,
      hostilePcap(
        yamuxStreams(60, 8 * MB, MB, {
          server: ['10.99.0.1', 4647],
          startNs: 1_700_000_000_000_000_000n,
          spanNs: 1_000_000_000n,
        }),
      ),
    );
    const r = measuredAnalyse(file, { limits: { maxHeldBytes: 16 * MB } });
    const p = r.counters.protocols as Record<string, Record<string, number>>;
    expect(p.yamux.streamsOpened).toBe(60);
    // 60 MB would be held without the budget (16 MiB here).
    expect(p['msgpack-rpc'].budgetCuts).toBeGreaterThanOrEqual(60 - 16);
    expect(p.memory.evictions).toBeGreaterThan(0);
    expect(r.maxRssBytes).toBeLessThan(200 * MB);
  }, 60_000);
});
