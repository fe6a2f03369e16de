/**
 * A capture loaded once for the fuzzer and the invariant tests: its file bytes (plain and
 * gzip form), its records (read with the project's readCapture), and a writer that puts
 * (mutated) records back into a pcap or pcapng file with the test helpers' writer.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readCapture } from '../src/capture/readCapture.js';
import { SessionClock } from '../src/capture/sessionClock.js';
import type { CaptureFormat } from '../src/capture/types.js';
import { pcap, pcapng, type Frame, type PcapngBlock } from '../testkit/pcapWriter.js';

/** One packet as the writer needs it: absolute time, link type, bytes (a private copy). */
export interface BaseRecord {
  /** Unix nanoseconds. */
  ts: bigint;
  linkType: number;
  data: Uint8Array;
  origLen: number;
}

export interface CaptureBase {
  name: string;
  path: string;
  format: CaptureFormat | 'unknown';
  /** Timestamp digits of the file (6 µs, 9 ns): the writer keeps them. */
  tsPrecision: number;
  /** The file decompressed, and the same as gzip (the file itself when it was gzip); made on first use. */
  readonly plain: Uint8Array;
  readonly gzip: Uint8Array;
  records: BaseRecord[];
}

export type WrittenFormat = 'pcap' | 'pcapng';

export async function loadCaptureBase(name: string, path: string): Promise<CaptureBase> {
  const file = new Uint8Array(readFileSync(path));
  const isGzip = file[0] === 0x1f && file[1] === 0x8b;
  // Made when first asked for: a run of windowed variants never writes the whole file.
  let plain: Uint8Array | undefined = isGzip ? undefined : file;
  let gzip: Uint8Array | undefined = isGzip ? file : undefined;
  const clock = new SessionClock();
  const records: BaseRecord[] = [];
  const summary = await readCapture(
    path,
    (r) => records.push({ ts: BigInt(r.ts), linkType: r.linkType, data: r.bytes.slice(), origLen: r.origLen }),
    { clock },
  );
  for (const r of records) r.ts = clock.absoluteNs(Number(r.ts));
  return {
    name,
    path,
    format: summary.format,
    tsPrecision: summary.tsPrecision,
    get plain() {
      return (plain ??= new Uint8Array(gunzipSync(file)));
    },
    get gzip() {
      return (gzip ??= new Uint8Array(gzipSync(file, { level: 1 })));
    },
    records,
  };
}

/**
 * Records → file bytes. One interface per link type (pcapng); classic pcap takes the first
 * record's link type. Timestamps keep the base's precision (µs files stay µs).
 */
export function writeRecords(
  records: readonly BaseRecord[],
  format: WrittenFormat,
  tsPrecision: number,
  gzip = false,
): Uint8Array {
  const nano = tsPrecision > 6;
  let bytes: Uint8Array;
  if (format === 'pcap') {
    const frames: Frame[] = records.map((r) => ({
      sec: Number(r.ts / 1_000_000_000n),
      nsec: Number(r.ts % 1_000_000_000n),
      data: r.data,
      origLen: r.origLen,
    }));
    bytes = pcap(frames, { nano, linkType: records[0]?.linkType ?? 1, snaplen: 262144 });
  } else {
    const ifaces = new Map<number, number>();
    const blocks: PcapngBlock[] = [{ kind: 'section', littleEndian: true }];
    const divisor = nano ? 1n : 1000n;
    for (const r of records) {
      let iface = ifaces.get(r.linkType);
      if (iface === undefined) {
        iface = ifaces.size;
        ifaces.set(r.linkType, iface);
        blocks.push({ kind: 'interface', linkType: r.linkType, snaplen: 262144, tsresol: nano ? 9 : 6 });
      }
      blocks.push({ kind: 'enhanced', iface, ts: r.ts / divisor, data: r.data, origLen: r.origLen });
    }
    bytes = pcapng(blocks);
  }
  return gzip ? new Uint8Array(gzipSync(bytes, { level: 1 })) : bytes;
}
