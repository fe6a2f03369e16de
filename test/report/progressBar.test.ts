/** The progress line, on a fake terminal with a fake clock: what it writes, and how often. */
import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, formatDuration } from '../../src/report/progressBar.js';

function fakeTty(isTTY = true, columns = 100) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (s: string) => writes.push(s) } };
}

const MiB = 1024 * 1024;

describe('createProgress', () => {
  it('writes nothing when the stream is not a terminal, or when quiet', () => {
    for (const [tty, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const { writes, stream } = fakeTty(tty);
      let t = 0;
      const p = createProgress(100 * MiB, stream, { quiet, now: () => t });
      for (; t < 1000; t += 10) p.update(t * 1000);
      p.done();
      expect(writes).toEqual([]);
    }
  });

  it('a terminal that reports 0 columns (no size) gets the whole line, not an empty one', () => {
    const { writes, stream } = fakeTty(true, 0);
    const p = createProgress(100 * MiB, stream, { label: 'capture.pcap', now: () => 1000 });
    p.update(50 * MiB);
    expect(writes[0]).toMatch(/^\rcapture\.pcap {2}50\.0 MiB \/ 100 MiB \(50%\)/);
    expect(writes[0].endsWith('ETA --:--\x1b[K')).toBe(true);
  });

  it('redraws one line in place at most 10 times a second, with bytes, percentage, rate and ETA', () => {
    const { writes, stream } = fakeTty();
    let t = 0;
    const p = createProgress(100 * MiB, stream, { label: 'capture.pcap', now: () => t });
    // 1 s of updates every 10 ms, 50 MiB/s.
    for (; t <= 1000; t += 10) p.update((t / 1000) * 50 * MiB);
    expect(writes.length).toBeGreaterThanOrEqual(10);
    expect(writes.length).toBeLessThanOrEqual(11);
    for (const w of writes) {
      expect(w.startsWith('\r')).toBe(true);
      expect(w).not.toContain('\n');
    }
    expect(writes[writes.length - 1]).toBe('\rcapture.pcap  50.0 MiB / 100 MiB (50%)  50.0 MiB/s  ETA 0:01\x1b[K');
    p.done();
    expect(writes[writes.length - 1]).toBe('\n');
    const n = writes.length;
    p.done();
    p.update(1);
    expect(writes.length).toBe(n);
  });

  it('shows bytes and rate only when the total is unknown (stdin)', () => {
    const { writes, stream } = fakeTty();
    let t = 0;
    const p = createProgress(0, stream, { now: () => t });
    t = 2000;
    p.update(4 * MiB);
    expect(writes).toEqual(['\r4.0 MiB  2.0 MiB/s\x1b[K']);
  });

  it('never writes past the terminal width', () => {
    const { writes, stream } = fakeTty(true, 24);
    let t = 0;
    const p = createProgress(100 * MiB, stream, { label: 'a-long-capture-file-name.pcapng.gz', now: () => t });
    for (; t < 500; t += 100) p.update(t * 1000);
    for (const w of writes) expect(w.replace('\r', '').replace('\x1b[K', '').length).toBeLessThan(24);
  });
});

describe('formatting', () => {
  it('bytes in binary units, durations as m:ss or h:mm:ss', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(200 * MiB), formatBytes(3 * 1024 * MiB)]).toEqual([
      '512 B',
      '1.5 KiB',
      '200 MiB',
      '3.0 GiB',
    ]);
    expect([formatDuration(5), formatDuration(65), formatDuration(3725), formatDuration(Infinity)]).toEqual([
      '0:05',
      '1:05',
      '1:02:05',
      '--:--',
    ]);
  });
});
