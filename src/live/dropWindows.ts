/**
 * When the capture ring dropped packets, on the clock packets are stamped with, and which
 * requests that may have touched. The kernel's counters are read every poll: drops that
 * grew between two reads happened (kernel time) between them. Packets are stamped when
 * the binding delivers them, at or after their kernel time, so:
 *  - a request the lost packet belonged to had its last packet stamped after the earlier
 *    read: the window starts there;
 *  - its first packet reached the kernel before the later read, but may wait in the ring
 *    and be stamped later: the window ends at the first read by which every packet queued
 *    before the later one had been delivered (open until then).
 * A request is touched when its span (first to last milestone; to the end of the session
 * when incomplete, as it was still waiting) meets a window.
 */
import type { SessionClock } from '../capture/sessionClock.js';
import type { RequestTimeline } from '../timeline/types.js';

export interface DropWindow {
  /** Unix ns (the stamping clock) of the read before the drops. */
  fromUnixNs: bigint;
  /** Unix ns by which all packets that arrived with the drops were stamped; null: not yet. */
  toUnixNs: bigint | null;
  drops: number;
  /** Packets put in the ring up to the read that saw the drops: delivered ≥ this closes the window. */
  queuedUpTo: number;
}

export class DropWindows {
  readonly windows: DropWindow[] = [];
  private lastUnixNs: bigint | null = null;
  private lastDrops = 0;

  /**
   * One read of the counters at `atUnixNs`: received and drops since the capture opened,
   * and the packets the binding had delivered by then.
   */
  observe(atUnixNs: bigint, received: number, drops: number, delivered: number): void {
    // Windows are kept merged, so only the last can still be open.
    const last = this.windows.at(-1);
    if (last && last.toUnixNs === null && delivered >= last.queuedUpTo) last.toUnixNs = atUnixNs;
    if (drops > this.lastDrops) {
      const queued = received - drops;
      // The first read is taken as the capture opens: nothing can be dropped before it.
      const fromUnixNs = this.lastUnixNs ?? atUnixNs;
      const toUnixNs = delivered >= queued ? atUnixNs : null;
      // Under sustained loss every read adds a window meeting the last: one, so memory
      // stays bounded over hours; the union, which is all touching() tests, is the same.
      if (last && (last.toUnixNs === null || last.toUnixNs >= fromUnixNs)) {
        last.toUnixNs = toUnixNs;
        last.drops += drops - this.lastDrops;
        last.queuedUpTo = queued;
      } else {
        this.windows.push({ fromUnixNs, toUnixNs, drops: drops - this.lastDrops, queuedUpTo: queued });
      }
    }
    this.lastUnixNs = atUnixNs;
    this.lastDrops = drops;
  }

  /** The windows met by a span given in Unix ns (end null: still open). */
  touching(startUnixNs: bigint, endUnixNs: bigint | null): DropWindow[] {
    return this.windows.filter(
      (w) => (w.toUnixNs === null || startUnixNs <= w.toUnixNs) && (endUnixNs === null || endUnixNs >= w.fromUnixNs),
    );
  }
}

/**
 * The note for a request that windows met, or null. Its span: first to last milestone;
 * when incomplete, to the end of the session (it was still waiting for the rest).
 */
export function dropNoteFor(r: RequestTimeline, windows: DropWindows, clock: SessionClock): string | null {
  if (windows.windows.length === 0) return null;
  const ends = Object.values(r.phases).map((p) => p.endNs);
  const start = clock.absoluteNs(r.startNs);
  const end = r.complete ? clock.absoluteNs(Math.max(r.startNs, ...ends)) : null;
  const met = windows.touching(start, end);
  if (met.length === 0) return null;
  const drops = met.reduce((n, w) => n + w.drops, 0);
  const last = met.at(-1)!.toUnixNs;
  // An open window: the ring had not caught up by the last read.
  const span =
    last === null
      ? `from ${isoUnix(clock, met[0].fromUnixNs)} on`
      : `between ${isoUnix(clock, met[0].fromUnixNs)} and ${isoUnix(clock, last)}`;
  return (
    `libpcap/kernel dropped ${drops} packet${drops === 1 ? '' : 's'} matching the capture filter (ring full)` +
    ` ${span}, while this request was in flight: it may be incomplete or approx`
  );
}

const isoUnix = (clock: SessionClock, unixNs: bigint) => clock.iso(Number(unixNs - (clock.epochNs ?? 0n)), 6);
