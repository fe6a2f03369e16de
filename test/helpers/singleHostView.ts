/**
 * A single-host view of a shared capture: only the IPv4 packets to or from one address,
 * rewritten as Linux SLL2 (what `tcpdump -i any` on that host would give), as a
 * nanosecond pcap in memory. See /work/shared/captures/README.md.
 */
import { readCapture } from '../../src/capture/readCapture.js';
import { SessionClock } from '../../src/capture/sessionClock.js';
import { ip4, sll2 } from './packetBuilder.js';
import { pcap, type Frame } from './pcapWriter.js';

export async function singleHostView(path: string, address: string, ifIndex = 2): Promise<Uint8Array> {
  const want = ip4(address);
  const clock = new SessionClock();
  const frames: Frame[] = [];
  const same = (b: Uint8Array, o: number) => b[o] === want[0] && b[o + 1] === want[1] && b[o + 2] === want[2] && b[o + 3] === want[3];
  await readCapture(
    path,
    (r) => {
      const b = r.bytes;
      // Ethernet without VLAN tags, IPv4 only: what the shared captures hold.
      if (r.linkType !== 1 || b.length < 34 || b[12] !== 0x08 || b[13] !== 0x00) return;
      if (!same(b, 26) && !same(b, 30)) return;
      const abs = clock.absoluteNs(r.ts);
      frames.push({ sec: Number(abs / 1_000_000_000n), nsec: Number(abs % 1_000_000_000n), data: sll2(b.slice(14), ifIndex) });
    },
    { clock },
  );
  return pcap(frames, { nano: true, linkType: 276, snaplen: 262144 });
}
