/**
 * Found by the fuzzer (zero-block@gzip, bit-flips@gzip): a gzip capture damaged part way
 * through was refused as "empty input, not a capture" when the damage came within the
 * first MiB of decompressed data, and lost up to 1 MiB of records before the damage
 * otherwise. Every record that inflates cleanly must be read, bar the last 16 KiB (zlib's
 * output piece; damage inside the first piece still leaves nothing to read).
 */
import { createGunzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pcap, type Frame } from '../helpers/pcapWriter.js';
import { readAll, tempFile } from '../helpers/captureRecords.js';

// 3000 frames of 200–600 bytes, ~1.2 MB: more than one MiB of decompressed output.
const frames: Frame[] = Array.from({ length: 3000 }, (_, i) => ({
  sec: 1_700_000_000 + Math.floor(i / 100),
  nsec: (i % 100) * 10_000_000,
  data: Uint8Array.from({ length: 200 + ((i * 37) % 400) }, (_, k) => ((k * 31) ^ (i * 7)) & 0xff),
}));
const file = pcap(frames, { nano: true });
const gz = new Uint8Array(gzipSync(file));
/** End offset of each record in the decompressed file. */
const recordEnds = frames.reduce<number[]>((ends, f) => [...ends, (ends.at(-1) ?? 24) + 16 + f.data.length], []);

/** How many decompressed bytes come out equal to the original before the damage shows. */
async function cleanPrefix(damaged: Uint8Array): Promise<number> {
  const g = createGunzip({ chunkSize: 512 });
  let n = 0;
  let differs = false;
  g.on('data', (c: Buffer) => {
    for (let i = 0; i < c.length && !differs; i++, n++) differs = c[i] !== file[n];
  });
  await new Promise<void>((resolve) => {
    g.on('error', () => resolve());
    g.on('end', () => resolve());
    g.end(damaged);
  });
  return differs ? n - 1 : n;
}

describe('a damaged gzip capture keeps the records before the damage', () => {
  for (const at of [0.1, 0.3, 0.7, 0.95]) {
    it(`zeroes 64 bytes at ${at * 100}% of the compressed file`, async () => {
      const damaged = gz.slice();
      const pos = Math.floor(gz.length * at);
      damaged.fill(0, pos, pos + 64);
      const clean = await cleanPrefix(damaged);
      const mustRead = recordEnds.filter((end) => end <= clean - 16 * 1024).length;
      const { records, summary, warnings } = await readAll(tempFile(`damaged-${at}.pcap.gz`, damaged));
      expect(records.length).toBeGreaterThanOrEqual(mustRead);
      expect(records.slice(0, mustRead).map((r) => r.bytes)).toEqual(frames.slice(0, mustRead).map((f) => [...f.data]));
      expect(summary.counters.truncated).toBeGreaterThanOrEqual(1);
      expect(warnings.some((w) => /gzip stream damaged or cut short/.test(w.message))).toBe(true);
    });
  }
});
