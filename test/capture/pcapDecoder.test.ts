import { describe, expect, it } from 'vitest';
import { concat, pcap, type Frame } from '../helpers/pcapWriter.js';
import { readAll, tempFile } from '../helpers/captureRecords.js';
import { ethernet, ipv4, tcp, tcpFlags, text } from '../helpers/packetBuilder.js';
import { wiresharkField, wiresharkReading } from '../helpers/sharkd.js';

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
        format: 'pcap',
        gzip: false,
        littleEndian,
        tsPrecision: 6,
        sections: 1,
        packets: 3,
        capturedBytes: 10,
        interfaces: [{ linkType: 113, snaplen: 65535, tsUnitsPerSec: 1e6 }],
        firstTs: 0,
        lastTs: 1e9 + 999_999_000 - 123_456_000,
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

/** Captures other tools write: each read as Wireshark reads it (the reference, run here: sharkd.ts). */
describe('classic pcap from other writers', () => {
  const day = 86_400;
  const frame = (i: number, sec: number, o: Partial<Frame> = {}): Frame => ({
    sec,
    nsec: i * 1000,
    data: Uint8Array.from({ length: 20 + i }, (_, k) => (k + i) & 0x7f),
    ...o,
  });

  it('reads on across timestamps that jump by years and back by days (merged captures), as tshark does', async () => {
    const fs = [
      frame(0, t0),
      frame(1, t0 + 1),
      frame(2, t0 + 3 * 365 * day),
      frame(3, t0 + 3 * 365 * day + 1),
      frame(4, t0 + 2 * day),
      frame(5, t0 + 2 * day),
    ];
    const file = tempFile('jumps.pcap', pcap(fs));
    const { records, summary, warnings } = await readAll(file);
    expect(records.map((r) => r.bytes)).toEqual(fs.map((f) => [...f.data]));
    expect(records.map((r) => r.ts)).toEqual(fs.map((f) => (f.sec - t0) * 1e9 + f.nsec));
    expect(summary.counters).toMatchObject({ badRecords: 0, skippedBytes: 0 });
    expect(warnings).toEqual([]);
    expect(records.length).toBe((await wiresharkReading(file)).frames);
  });

  it('resynchronises only on two ordinary headers in a row and counts the bytes it skipped', async () => {
    const good = pcap([frame(0, t0), frame(1, t0 + 1), frame(2, t0 + 2)]);
    const cut = 24 + 16 + 20; // after record 1
    // A damaged header (incl_len far above any frame), then data holding one lone
    // ordinary-looking header (4 bytes, same second) followed by junk, then record 2.
    const lone = Uint8Array.of(...le32(t0), ...le32(5), ...le32(4), ...le32(4), 1, 2, 3, 4);
    const junk = new Uint8Array(9).fill(0xee);
    const damaged = Uint8Array.of(...le32(t0), 0, 0, 0, 0, ...le32(0x7fff_ffff), ...le32(60));
    const garbage = concat([damaged, lone, junk]);
    const file = concat([good.subarray(0, cut), garbage, good.subarray(cut)]);
    for (const chunkBytes of [undefined, 1, 13]) {
      const { records, summary, warnings } = await readAll(file, { chunkBytes });
      expect(records.map((r) => r.bytes.length)).toEqual([20, 21, 22]);
      expect(summary.counters).toMatchObject({ badRecords: 1, skippedBytes: garbage.length });
      expect(warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(/bad pcap record header \(incl_len 2147483647/),
        `resynchronised after skipping ${garbage.length} bytes`,
      ]);
    }
  });

  it('reads records whose captured length exceeds their length on the wire, counts them and warns once', async () => {
    const fs = [frame(0, t0, { origLen: 10 }), frame(1, t0, { origLen: 3 }), frame(2, t0 + 1)];
    const file = tempFile('incl-over-orig.pcap', pcap(fs));
    const { records, summary, warnings } = await readAll(file);
    expect(records.map((r) => [r.bytes.length, r.origLen])).toEqual([
      [20, 10],
      [21, 3],
      [22, 22],
    ]);
    expect(summary.counters).toMatchObject({ capturedOverWire: 2, badRecords: 0 });
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/record 1 has a captured length \(20\) above its length on the wire \(10\)/),
    ]);
    expect(records.length).toBe((await wiresharkReading(file)).frames);
  });

  it('reads such a record when it is the last of the file', async () => {
    const { records, summary } = await readAll(pcap([frame(0, t0), frame(1, t0, { origLen: 4 })]));
    expect(records.map((r) => r.bytes.length)).toEqual([20, 21]);
    expect(summary.counters).toMatchObject({ capturedOverWire: 1, truncated: 0 });
  });

  it('masks the FCS bits of the link-type field and strips the FCS whose length they give', async () => {
    const payload = text('GET / HTTP/1.1\r\n\r\n');
    const eth = ethernet(
      ipv4(tcp(payload, { sport: 40000, dport: 80, seq: 1, flags: tcpFlags.ACK }), {
        src: '10.0.0.1',
        dst: '10.0.0.2',
      }),
    );
    const fcs = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
    const cutShort = eth.subarray(0, 40); // snapped before the FCS: nothing to strip
    // pcap-savefile(5): bit 26 says bits 28-31 hold the FCS length in 16-bit words (2 = 4 bytes).
    const field = (2 << 28) | 0x0400_0000 | 1;
    const file = tempFile(
      'fcs.pcap',
      pcap(
        [
          { sec: t0, nsec: 0, data: concat([eth, fcs]) },
          { sec: t0, nsec: 1000, data: cutShort, origLen: eth.length + 4 },
        ],
        { linkType: field >>> 0 },
      ),
    );
    const { records, summary } = await readAll(file);
    expect(records.map((r) => r.linkType)).toEqual([1, 1]);
    expect(records[0].bytes).toEqual([...eth]);
    expect(records[1].bytes).toEqual([...cutShort]);
    expect(summary.interfaces[0]).toMatchObject({ linkType: 1, fcsBytes: 4 });
    expect(summary.counters.fcsStripped).toBe(1);
    // tshark takes it as Ethernet with an FCS too: it finds the TCP port in both frames.
    expect(await wiresharkField(file, 'tcp.srcport')).toEqual(['40000', '40000']);
  });

  it('reads files with versions libpcap does not write, with one warning', async () => {
    for (const version of [
      [2, 5],
      [1, 0],
    ] as [number, number][]) {
      const { records, warnings } = await readAll(pcap(frames, { version }));
      expect(records).toHaveLength(3);
      expect(warnings.map((w) => w.message)).toEqual([
        `pcap file version ${version[0]}.${version[1]} is not one libpcap writes (2.4); read as 2.4`,
      ]);
    }
    const { warnings } = await readAll(pcap(frames, { version: [2, 3] }));
    expect(warnings).toEqual([]);
  });

  it('reads the record lengths of files before 2.3 (and DG/UX 543.x) in their order, orig_len first, as tshark does', async () => {
    const baseline = (await readAll(pcap(frames))).records;
    for (const version of [
      [2, 0],
      [2, 2],
      [543, 0],
    ] as [number, number][]) {
      const { records, warnings } = await readAll(pcap(frames, { version, lengthsSwapped: true }));
      expect(records).toEqual(baseline);
      expect(warnings.map((w) => w.message)).toEqual([
        `pcap file version ${version[0]}.${version[1]} puts each record's length on the wire before its captured length (before 2.3); read so, as libpcap and tshark do`,
      ]);
    }
    const file = tempFile('pcap-2.2-swapped-lengths.pcap', pcap(frames, { version: [2, 2], lengthsSwapped: true }));
    expect(await wiresharkField(file, 'frame.cap_len')).toEqual(['5', '2', '3']);
    expect(await wiresharkField(file, 'frame.len')).toEqual(['5', '2', '1500']);
    // 2.3: either order; a captured length above the wire length says which.
    expect((await readAll(pcap(frames, { version: [2, 3], lengthsSwapped: true }))).records).toEqual(baseline);
    expect((await readAll(pcap(frames, { version: [2, 3] }))).records).toEqual(baseline);
  });

  it("reads consecutive records whose fraction fields hold a second or more (as tcpdump's own test files do), as tshark does", async () => {
    const odd = (i: number): Frame => ({
      sec: t0,
      nsec: 808_464_432_000 + i * 1000,
      data: Uint8Array.from({ length: 30 + i }, () => 0x30),
      origLen: 262_144,
    });
    const file = tempFile('fraction-overflow.pcap', pcap([odd(0), odd(1), odd(2)]));
    const { records, summary } = await readAll(file);
    expect(records.map((r) => r.bytes.length)).toEqual([30, 31, 32]);
    expect(summary.counters.badRecords).toBe(0);
    expect(records.length).toBe((await wiresharkReading(file)).frames);
  });

  it('carries a fraction of a second or more in the fraction field into the seconds', async () => {
    const { records, summary } = await readAll(
      pcap([frame(0, t0), { sec: t0, nsec: 1_500_000_000, data: Uint8Array.of(1) }, frame(2, t0 + 2)]),
    );
    expect(records.map((r) => r.ts)).toEqual([0, 1.5e9, 2e9 + 2000]);
    expect(summary.counters.badRecords).toBe(0);
  });
});

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
