/**
 * Single-host views of a shared capture: only the packets to or from one address, as
 * `tcpdump -i any` on that host would have written them (Linux cooked v2, SLL2), with an
 * optional time shift (a second host's clock) — for the vantage-point tests.
 */
import { readCapture } from '../../src/capture/readCapture.js';
import { SessionClock } from '../../src/capture/sessionClock.js';
import { sll2 } from './packetBuilder.js';
import { pcap, type Frame } from './pcapWriter.js';

export interface ViewOptions {
  /** Keep packets to or from any of these IPv4 addresses. */
  hosts: string[];
  /** Add this many ns to every timestamp. */
  shiftNs?: bigint;
  /** SLL2 interface index to stamp. */
  ifIndex?: number;
}

const ipv4At = (b: Uint8Array, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

export async function hostFrames(source: string, o: ViewOptions): Promise<Frame[]> {
  const clock = new SessionClock();
  const frames: Frame[] = [];
  const keep = new Set(o.hosts);
  await readCapture(
    source,
    (r) => {
      const b = r.bytes;
      if (r.linkType !== 1 || b.length < 34 || ((b[12] << 8) | b[13]) !== 0x0800) return;
      if (!keep.has(ipv4At(b, 26)) && !keep.has(ipv4At(b, 30))) return;
      const abs = clock.absoluteNs(r.ts) + (o.shiftNs ?? 0n);
      frames.push({
        sec: Number(abs / 1_000_000_000n),
        nsec: Number(abs % 1_000_000_000n),
        data: sll2(b.slice(14), o.ifIndex ?? 2),
        origLen: r.origLen - 14 + 20,
      });
    },
    { clock },
  );
  return frames;
}

/** A classic ns pcap (SLL2) of one host's view. */
export async function hostView(source: string, o: ViewOptions): Promise<Uint8Array> {
  return pcap(await hostFrames(source, o), { linkType: 276, nano: true });
}
