import { describe, expect, it } from 'vitest';
import { pcap, type Frame } from '../helpers/pcapWriter.js';
import { readAll } from '../helpers/captureRecords.js';

const t0 = 1_700_000_000;
const frames: Frame[] = [
  { sec: t0, nsec: 123_456_789, data: Uint8Array.of(1, 2, 3, 4, 5) },
  { sec: t0 + 1, nsec: 5_000, data: Uint8Array.of(6, 7) },
  { sec: t0 + 1, nsec: 999_999_999, data: Uint8Array.of(8, 9, 10), origLen: 1500 },
];

describe('classic pcap', () => {
  for (const littleEndian of [true, false]) {
    const order = littleEndian ? 'little-endian' : 'big-endian';

    it(`reads a ${order} µs file: records, link type, timestamps relative to the first`, async () => {
      const { records, summary, clock } = await readAll(pcap(frames, { littleEndian, linkType: 113 }));
      // µs files drop the sub-µs digits: 123456789 ns is written as 123456 µs.
      expect(clock.epochNs).toBe(1_700_000_000_123_456_000n);
      expect(records).toEqual([
        { ts: 0, linkType: 113, bytes: [1, 2, 3, 4, 5], origLen: 5, iface: 0, frame: 1 },
        { ts: 1e9 + 5_000 - 123_456_000, linkType: 113, bytes: [6, 7], origLen: 2, iface: 0, frame: 2 },
        { ts: 1e9 + 999_999_000 - 123_456_000, linkType: 113, bytes: [8, 9, 10], origLen: 1500, iface: 0, frame: 3 },
      ]);
      expect(summary).toMatchObject({
        format: 'pcap', gzip: false, littleEndian, tsPrecision: 6, sections: 1, packets: 3, capturedBytes: 10,
        interfaces: [{ linkType: 113, snaplen: 65535, tsUnitsPerSec: 1e6 }],
        firstTs: 0, lastTs: 1e9 + 999_999_000 - 123_456_000,
        counters: { skippedBlocks: 0, badRecords: 0, truncated: 0 },
      });
    });

    it(`reads a ${order} ns file (magic a1b23c4d) to the nanosecond`, async () => {
      const { records, summary, clock } = await readAll(pcap(frames, { littleEndian, nano: true }));
      expect(clock.epochNs).toBe(1_700_000_000_123_456_789n);
      expect(records.map((r) => r.ts)).toEqual([0, 1e9 + 5_000 - 123_456_789, 1e9 + 999_999_999 - 123_456_789]);
      expect(summary.tsPrecision).toBe(9);
      expect(summary.interfaces[0].tsUnitsPerSec).toBe(1e9);
    });
  }

  it('masks the FCS bits out of the link-type field', async () => {
    // pcap-savefile(5): bit 28 says an FCS length is present, bits 29-31 give it.
    const { records } = await readAll(pcap(frames.slice(0, 1), { linkType: 0x1000_0000 | (2 << 29) | 1 }));
    expect(records[0].linkType).toBe(1);
  });

  it('keeps every record before a truncated last record and warns clearly', async () => {
    const file = pcap(frames, { truncateBy: 2 });
    const { records, summary, warnings } = await readAll(file);
    expect(records.map((r) => r.frame)).toEqual([1, 2]);
    expect(summary.counters.truncated).toBe(1);
    expect(summary.packets).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/file ends inside a record \(17 of 19 bytes\).*2 records before it were read/);
    expect(warnings[0].offset).toBe(24 + 21 + 18);
  });

  it('keeps every record when the file ends inside the last record header', async () => {
    const { records, summary, warnings } = await readAll(pcap(frames, { truncateBy: 16 }));
    expect(records).toHaveLength(2);
    expect(summary.counters.truncated).toBe(1);
    expect(warnings[0].message).toMatch(/file ends inside a record \(3 of 16 bytes\)/);
  });

  it('reads a record longer than the header snaplen (tshark does; only the link type maximum bounds it)', async () => {
    const big = { sec: t0, nsec: 0, data: new Uint8Array(70_000).fill(7) };
    const { records, summary, warnings } = await readAll(pcap([big, frames[1]], { snaplen: 1500 }));
    expect(records.map((r) => r.bytes.length)).toEqual([70_000, 2]);
    expect(summary.counters.badRecords).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('reads a header-only file as zero records', async () => {
    const { records, summary, warnings } = await readAll(pcap([]));
    expect(records).toEqual([]);
    expect(summary).toMatchObject({ format: 'pcap', packets: 0, firstTs: null, lastTs: null });
    expect(warnings).toEqual([]);
  });

  it('skips a corrupt record header and resynchronises on the next record', async () => {
    const good = pcap(frames, { nano: true });
    // Insert 5 garbage bytes between record 1 (ends at 24 + 16 + 5) and record 2.
    const cut = 24 + 21;
    const file = new Uint8Array(good.length + 5);
    file.set(good.subarray(0, cut));
    file.set([0xff, 0xff, 0xff, 0xff, 0xff], cut);
    file.set(good.subarray(cut), cut + 5);
    for (const chunkBytes of [undefined, 1, 7]) {
      const { records, summary, warnings } = await readAll(file, { chunkBytes });
      expect(records.map((r) => r.bytes)).toEqual(frames.map((f) => [...f.data]));
      expect(summary.counters.badRecords).toBe(1);
      expect(warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(/bad pcap record header/),
        'resynchronised after skipping 5 bytes',
      ]);
    }
  });
});
