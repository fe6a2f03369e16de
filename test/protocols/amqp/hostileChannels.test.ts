/**
 * Partial contents on many AMQP channels at once (each declaring 8 MiB): what they hold
 * comes from the session's byte budget, not 8 MiB a channel.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { amqpChannels, hostilePcap } from '../../helpers/hostileCaptures.js';
import { measuredAnalyse } from '../../helpers/measuredRun.js';

const MB = 1024 * 1024;

describe('many AMQP channels with partial bodies', () => {
  it('60 channels, 1 MB of an 8 MiB body each: cut to the budget, every publish still counted', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vim-amqp-hostile-')), 'channels.pcap');
    writeFileSync(
      file,
      hostilePcap(
        amqpChannels(60, 8 * MB, MB, {
          server: ['10.99.0.1', 5672],
          startNs: 1_700_000_000_000_000_000n,
          spanNs: 1_000_000_000n,
        }),
      ),
    );
    const r = measuredAnalyse(file, { limits: { maxHeldBytes: 16 * MB } });
    const p = r.counters.protocols as Record<string, Record<string, number>>;
    expect(p.amqp['methods.Basic.Publish']).toBe(60);
    expect(p.amqp['frames.body']).toBe(60 * 32);
    // 60 MB would be held without the budget: 16 MiB keep at most 16 of the 1 MB bodies whole.
    expect(p.amqp.budgetCuts).toBeGreaterThanOrEqual(60 - 16);
    expect(p.memory.evictions).toBe(p.amqp.budgetCuts);
    expect(r.maxRssBytes).toBeLessThan(200 * MB);
  }, 60_000);
});
