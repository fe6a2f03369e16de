import { describe, expect, it } from 'vitest';
import { pcapng, type PcapngBlock } from '../helpers/pcapWriter.js';
import { readAll } from '../helpers/captureRecords.js';

const t0 = 1_700_000_000n;
const d1 = Uint8Array.of(1, 2, 3, 4, 5);
const d2 = Uint8Array.of(6, 7);
const section = (littleEndian = true): PcapngBlock => ({ kind: 'section', littleEndian });

describe('pcapng', () => {
  for (const littleEndian of [true, false]) {
    it(`reads a ${littleEndian ? 'little' : 'big'}-endian section with µs timestamps (the default resolution)`, async () => {
      const { records, summary, clock } = await readAll(
        pcapng([
          section(littleEndian),
          { kind: 'interface', linkType: 1, snaplen: 262144, name: 'br0' },
          { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n + 250_000n, data: d1 },
          { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n + 2_000_001n, data: d2, origLen: 60 },
        ]),
      );
      expect(clock.epochNs).toBe(1_700_000_000_250_000_000n);
      expect(records).toEqual([
        { ts: 0, linkType: 1, bytes: [1, 2, 3, 4, 5], origLen: 5, iface: 0, frame: 1 },
        { ts: 1_750_001_000, linkType: 1, bytes: [6, 7], origLen: 60, iface: 0, frame: 2 },
      ]);
      expect(summary).toMatchObject({
        format: 'pcapng',
        littleEndian,
        tsPrecision: 6,
        sections: 1,
        packets: 2,
        capturedBytes: 7,
        interfaces: [{ linkType: 1, snaplen: 262144, tsUnitsPerSec: 1e6, name: 'br0' }],
        counters: { skippedBlocks: 0, badRecords: 0, truncated: 0 },
      });
    });
  }

  it('reads nanosecond timestamps (if_tsresol 9) exactly', async () => {
    const { records, clock, summary } = await readAll(
      pcapng([
        section(),
        { kind: 'interface', linkType: 1, tsresol: 9 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000_000n + 123_456_789n, data: d1 },
        { kind: 'enhanced', iface: 0, ts: (t0 + 86_400n) * 1_000_000_000n + 1n, data: d2 },
      ]),
    );
    expect(clock.epochNs).toBe(1_700_000_000_123_456_789n);
    expect(records.map((r) => r.ts)).toEqual([0, 86_400e9 + 1 - 123_456_789]);
    expect(summary.tsPrecision).toBe(9);
    expect(summary.interfaces[0].tsUnitsPerSec).toBe(1e9);
  });

  it('reads a power-of-two resolution (if_tsresol 0x8a = 1/1024 s) and adds if_tsoffset seconds', async () => {
    // Expected values as tshark 4.0 prints them for the same file: nanoseconds truncated.
    const base = t0 * 1024n + 512n; // 1700000000.5 s
    const { records, clock, summary } = await readAll(
      pcapng([
        section(),
        { kind: 'interface', linkType: 1, tsresol: 0x80 | 10, tsoffset: 100 },
        ...[0n, 1n, 3n, 1023n].map((k): PcapngBlock => ({ kind: 'enhanced', iface: 0, ts: base + k, data: d1 })),
      ]),
    );
    expect(clock.epochNs).toBe(1_700_000_100_500_000_000n);
    expect(records.map((r) => r.ts)).toEqual([0, 976_562, 2_929_687, 999_023_437]);
    expect(summary.interfaces[0].tsUnitsPerSec).toBe(1024);
  });

  it('reads several sections, each with its own byte order and interfaces', async () => {
    const { records, summary } = await readAll(
      pcapng([
        section(true),
        { kind: 'interface', linkType: 1 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n, data: d1 },
        section(false),
        { kind: 'interface', linkType: 113, tsresol: 9 },
        { kind: 'interface', linkType: 276, tsresol: 9 },
        { kind: 'enhanced', iface: 1, ts: t0 * 1_000_000_000n + 7n, data: d2 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000_000n + 9n, data: d1 },
      ]),
    );
    // Interface ids restart in each section; records carry the capture-wide interface index.
    expect(records.map((r) => [r.linkType, r.iface, r.ts, r.frame])).toEqual([
      [1, 0, 0, 1],
      [276, 2, 7, 2],
      [113, 1, 9, 3],
    ]);
    expect(summary).toMatchObject({ sections: 2, littleEndian: false, tsPrecision: 9, packets: 3 });
    expect(summary.interfaces.map((i) => i.linkType)).toEqual([1, 113, 276]);
  });

  it('reads simple packet blocks (no timestamp: the previous packet time; cut to the snaplen) and obsolete packet blocks', async () => {
    const { records, warnings } = await readAll(
      pcapng([
        section(),
        { kind: 'interface', linkType: 1, snaplen: 4 },
        { kind: 'obsolete', iface: 0, ts: t0 * 1_000_000n + 10n, data: d1.subarray(0, 4), origLen: 5 },
        { kind: 'simple', data: Uint8Array.of(9, 8, 7, 6), origLen: 1514 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n + 30n, data: d2 },
        { kind: 'simple', data: Uint8Array.of(5, 4, 3), origLen: 3 },
      ]),
    );
    expect(records).toEqual([
      { ts: 0, linkType: 1, bytes: [1, 2, 3, 4], origLen: 5, iface: 0, frame: 1 },
      { ts: 0, linkType: 1, bytes: [9, 8, 7, 6], origLen: 1514, iface: 0, frame: 2 },
      { ts: 20_000, linkType: 1, bytes: [6, 7], origLen: 2, iface: 0, frame: 3 },
      { ts: 20_000, linkType: 1, bytes: [5, 4, 3], origLen: 3, iface: 0, frame: 4 },
    ]);
    expect(warnings).toEqual([]);
  });

  it('skips block types it does not read, by their length', async () => {
    const { records, summary } = await readAll(
      pcapng([
        section(),
        { kind: 'other', type: 4, body: Uint8Array.of(0, 0, 0, 0) }, // name resolution
        { kind: 'interface', linkType: 1 },
        { kind: 'other', type: 0x40000bad, body: new Uint8Array(37).fill(0x0a) }, // custom, odd length
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n, data: d1 },
        { kind: 'other', type: 5, body: new Uint8Array(12) }, // interface statistics
        { kind: 'other', type: 0x0bad, body: new Uint8Array(0) },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n + 1n, data: d2 },
      ]),
    );
    expect(records.map((r) => r.bytes)).toEqual([[...d1], [...d2]]);
    expect(summary.counters.skippedBlocks).toBe(4);
  });

  it('keeps every packet before a truncated last block and warns clearly', async () => {
    const file = pcapng(
      [
        section(),
        { kind: 'interface', linkType: 1 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n, data: d1 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n + 1n, data: d2 },
      ],
      { truncateBy: 5 },
    );
    for (const chunkBytes of [undefined, 1]) {
      const { records, summary, warnings } = await readAll(file, { chunkBytes });
      expect(records.map((r) => r.bytes)).toEqual([[...d1]]);
      expect(summary.counters.truncated).toBe(1);
      // The EPB of 2 bytes is 32 + 4 (padding) = 36 bytes long.
      expect(warnings.map((w) => w.message)).toEqual([
        'file ends inside a block (31 of 36 bytes); the 1 packets before it were read',
      ]);
    }
  });

  it('warns about a packet naming an interface that was not described, and goes on', async () => {
    const { records, summary, warnings } = await readAll(
      pcapng([
        section(),
        { kind: 'interface', linkType: 1 },
        { kind: 'enhanced', iface: 3, ts: t0 * 1_000_000n, data: d1 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n, data: d2 },
      ]),
    );
    expect(records.map((r) => r.bytes)).toEqual([[...d2]]);
    expect(summary.counters.badRecords).toBe(1);
    expect(warnings.map((w) => w.message)).toEqual(['packet names interface 3, which was not described']);
  });

  it('warns about a simple packet block before any interface description, and goes on', async () => {
    const { records, summary, warnings } = await readAll(
      pcapng([
        section(),
        { kind: 'simple', data: d1 },
        { kind: 'interface', linkType: 1 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n, data: d2 },
      ]),
    );
    expect(records.map((r) => r.bytes)).toEqual([[...d2]]);
    expect(summary.counters.badRecords).toBe(1);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/interface 0, which was not described/)]);
  });

  it('skips a damaged block and resynchronises on the next one, whatever the chunk size', async () => {
    const head = pcapng([
      section(),
      { kind: 'interface', linkType: 1 },
      { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n, data: d1 },
    ]);
    const tail = pcapng([
      section(),
      { kind: 'interface', linkType: 1 },
      { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n + 5n, data: d2 },
    ]).subarray(28 + 20);
    const junk = new Uint8Array(12).fill(0xee); // a block "type" with an impossible length
    const file = new Uint8Array([...head, ...junk, ...tail]);
    for (const chunkBytes of [undefined, 1, 5]) {
      const { records, summary, warnings } = await readAll(file, { chunkBytes });
      expect(records.map((r) => [r.bytes, r.ts])).toEqual([
        [[...d1], 0],
        [[...d2], 5000],
      ]);
      expect(summary.counters.badRecords).toBe(1);
      expect(warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(/impossible length.*scanning for the next block/),
        'resynchronised after skipping 12 bytes',
      ]);
    }
  });
});

describe('pcapng from other writers', () => {
  it('strips the FCS whose length if_fcslen gives', async () => {
    const frame = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    const { records, summary } = await readAll(
      pcapng([
        section(),
        { kind: 'interface', linkType: 1, fcslen: 4 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n, data: frame },
        // Cut by the snaplen before its FCS: nothing to strip.
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n + 1n, data: frame.subarray(0, 6), origLen: 60 },
      ]),
    );
    expect(records.map((r) => r.bytes)).toEqual([
      [1, 2, 3, 4, 5, 6],
      [1, 2, 3, 4, 5, 6],
    ]);
    expect(summary.interfaces[0]).toMatchObject({ linkType: 1, fcsBytes: 4 });
    expect(summary.counters.fcsStripped).toBe(1);
  });

  it('reads sections of versions writers do not use, warning once', async () => {
    const blocks = (version: [number, number]): PcapngBlock[] => [
      { kind: 'section', littleEndian: true, version },
      { kind: 'interface', linkType: 1 },
      { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n, data: d1 },
    ];
    const { records, warnings } = await readAll(pcapng([...blocks([2, 0]), ...blocks([1, 7])]));
    expect(records).toHaveLength(2);
    expect(warnings.map((w) => w.message)).toEqual([
      'pcapng section version 2.0 is not one writers use (1.0); read as 1.0',
    ]);
    for (const version of [
      [1, 0],
      [1, 2],
    ] as [number, number][])
      expect((await readAll(pcapng(blocks(version)))).warnings).toEqual([]);
  });

  it('counts packets whose captured length exceeds their length on the wire, warning once', async () => {
    const { records, summary, warnings } = await readAll(
      pcapng([
        section(),
        { kind: 'interface', linkType: 1 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n, data: d1, origLen: 2 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n, data: d1, origLen: 3 },
      ]),
    );
    expect(records.map((r) => r.bytes.length)).toEqual([5, 5]);
    expect(summary.counters.capturedOverWire).toBe(2);
    expect(warnings).toHaveLength(1);
  });

  it('gives the earliest and latest time as the span when packets go back in time', async () => {
    const { summary } = await readAll(
      pcapng([
        section(),
        { kind: 'interface', linkType: 1 },
        { kind: 'enhanced', iface: 0, ts: (t0 + 100n) * 1_000_000n, data: d1 },
        { kind: 'enhanced', iface: 0, ts: t0 * 1_000_000n, data: d1 },
        { kind: 'enhanced', iface: 0, ts: (t0 + 50n) * 1_000_000n, data: d1 },
      ]),
    );
    expect([summary.firstTs, summary.lastTs]).toEqual([-100e9, 0]);
    expect([summary.firstNs, summary.lastNs]).toEqual([t0 * 1_000_000_000n, (t0 + 100n) * 1_000_000_000n]);
  });
});
