/**
 * libpcap's packet and drop counters for one live capture, read from the kernel the way
 * pcap_stats() does on Linux. `cap` does not say which socket is its capture's, so the
 * AF_PACKET sockets that appear while the capture opens are taken as its own (by inode,
 * so a socket closed meanwhile and its fd number reused cannot be mistaken for it).
 */
import { loadPacketSocketStats, type ReadPacketSocketStats } from './packetSocketStats.js';

export interface CaptureCounts {
  /** Packets that passed the capture filter, dropped ones included (ps_recv). */
  received: number;
  /** Of those, dropped for want of room in the ring (ps_drop). */
  drops: number;
}

export class CaptureSocketCounters {
  /** Why counts() is always null, when it is. */
  unavailable: string | null = null;
  private readonly read: ReadPacketSocketStats | null = null;
  private readonly before = new Set<number>();
  private own: Set<number> | null = null;
  /** Counts up to the end of opening: packets queued before the filter was set are not the capture's. */
  private baseline: CaptureCounts = { received: 0, drops: 0 };
  private last: CaptureCounts | null = null;

  /** Call just before opening the capture. */
  constructor() {
    const loaded = loadPacketSocketStats();
    if ('unavailable' in loaded) {
      this.unavailable = loaded.unavailable;
      return;
    }
    this.read = loaded;
    for (const s of loaded()) this.before.add(s.inode);
  }

  /** Call just after the capture opened: its sockets are the ones new since the constructor. */
  opened(): void {
    if (!this.read) return;
    const sockets = this.read().filter((s) => !this.before.has(s.inode));
    if (sockets.length === 0) {
      this.unavailable = 'no AF_PACKET socket appeared when the capture opened (not a Linux live capture?)';
      return;
    }
    this.own = new Set(sockets.map((s) => s.inode));
    this.baseline = sum(sockets, this.own);
  }

  /** Totals since the capture opened (monotonic); null when unavailable. */
  counts(): CaptureCounts | null {
    if (!this.read || !this.own || this.unavailable) return null;
    let now: CaptureCounts;
    try {
      now = sum(this.read(), this.own);
    } catch (e) {
      this.unavailable = `reading the kernel's counters failed: ${(e as Error).message}`;
      return null;
    }
    // A socket of ours no longer listed (closed) takes its totals with it: keep the last.
    const c = { received: now.received - this.baseline.received, drops: now.drops - this.baseline.drops };
    if (this.last && (c.received < this.last.received || c.drops < this.last.drops)) return this.last;
    return (this.last = c);
  }
}

function sum(
  stats: readonly { inode: number; packets: number; drops: number }[],
  own: ReadonlySet<number>,
): CaptureCounts {
  let received = 0,
    drops = 0;
  for (const s of stats) {
    if (!own.has(s.inode)) continue;
    received += s.packets;
    drops += s.drops;
  }
  return { received, drops };
}
