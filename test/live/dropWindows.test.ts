/**
 * Drop windows from successive reads of the kernel's counters: where they start and end
 * on the stamping clock, how they merge, and which request spans they meet.
 */
import { describe, expect, it } from 'vitest';
import { DropWindows } from '../../src/live/dropWindows.js';

const ms = (n: number) => BigInt(n) * 1_000_000n;

describe('DropWindows', () => {
  it('places drops between the read before and the read that saw them, when the ring had caught up', () => {
    const w = new DropWindows();
    w.observe(ms(0), 0, 0, 0);
    w.observe(ms(250), 100, 0, 100);
    w.observe(ms(500), 180, 30, 150);
    expect(w.windows).toEqual([{ fromUnixNs: ms(250), toUnixNs: ms(500), drops: 30, queuedUpTo: 150 }]);
  });

  it('keeps a window open until every packet queued with the drops was delivered', () => {
    const w = new DropWindows();
    w.observe(ms(0), 0, 0, 0);
    w.observe(ms(250), 500, 100, 350);
    expect(w.windows[0].toUnixNs).toBeNull();
    w.observe(ms(500), 500, 100, 399);
    expect(w.windows[0].toUnixNs).toBeNull();
    w.observe(ms(750), 520, 100, 420);
    expect(w.windows).toEqual([{ fromUnixNs: ms(0), toUnixNs: ms(750), drops: 100, queuedUpTo: 400 }]);
  });

  it('merges drops at successive reads into one window, and keeps apart those with a calm read between', () => {
    const w = new DropWindows();
    w.observe(ms(0), 0, 0, 0);
    w.observe(ms(250), 100, 10, 90);
    w.observe(ms(500), 200, 20, 180);
    w.observe(ms(750), 250, 20, 230);
    w.observe(ms(1000), 300, 20, 280);
    w.observe(ms(1250), 400, 25, 375);
    expect(w.windows).toEqual([
      { fromUnixNs: ms(0), toUnixNs: ms(500), drops: 20, queuedUpTo: 180 },
      { fromUnixNs: ms(1000), toUnixNs: ms(1250), drops: 5, queuedUpTo: 375 },
    ]);
  });

  it('meets the spans that overlap a window, open ones included', () => {
    const w = new DropWindows();
    w.observe(ms(1000), 0, 0, 0);
    w.observe(ms(1250), 10, 2, 8);
    w.observe(ms(1500), 12, 2, 10);
    w.observe(ms(2000), 20, 4, 12);
    expect(w.touching(ms(0), ms(999)).length).toBe(0);
    expect(w.touching(ms(0), ms(1000)).length).toBe(1);
    expect(w.touching(ms(1100), ms(1200)).length).toBe(1);
    expect(w.touching(ms(1251), ms(1499)).length).toBe(0);
    expect(w.touching(ms(1251), ms(1500)).length).toBe(1);
    expect(w.touching(ms(0), null).length).toBe(2);
    // The second is still open: any span reaching past its start meets it.
    expect(w.touching(ms(5000), ms(6000)).length).toBe(1);
  });
});
