/**
 * Which frame carried a message's first byte (`messages --json`'s `frame`, joinable with
 * tshark's frame.number). The net stage hands parsers bytes with their segment's time, not
 * its frame; this notes, per connection and direction, the frame of each delivery made while
 * that frame is being decoded, and looks a message's first-byte time up in them. Bytes held
 * back out of order and delivered with a later packet are not noted (their frame is not the
 * current one), so such a message has no frame.
 */
import type { Direction, EndReason, StreamHandler } from '../net/types.js';

interface Deliveries {
  times: [number[], number[]];
  frames: [number[], number[]];
}

export class FrameIndex {
  private readonly byConn = new Map<number, Deliveries>();
  private ts = Number.NaN;
  private frame = 0;

  /** The packet being decoded now. */
  packet(ts: number, frame: number): void {
    this.ts = ts;
    this.frame = frame;
  }

  /** `h`, noting the frame of each of its deliveries. */
  noting(conn: number, h: StreamHandler): StreamHandler {
    const d: Deliveries = { times: [[], []], frames: [[], []] };
    this.byConn.set(conn, d);
    return {
      data: (dir: Direction, bytes: Uint8Array, ts: number) => {
        const times = d.times[dir];
        if (ts === this.ts && times[times.length - 1] !== ts) {
          times.push(ts);
          d.frames[dir].push(this.frame);
        }
        h.data(dir, bytes, ts);
      },
      gap: (dir: Direction, bytes: number, ts: number) => h.gap(dir, bytes, ts),
      end: (dir: Direction, ts: number, reason: EndReason) => h.end(dir, ts, reason),
    };
  }

  /** The frame of the delivery at time `t` on connection `conn` (either direction), if noted. */
  frameOf(conn: number, t: number): number | undefined {
    const d = this.byConn.get(conn);
    if (!d) return undefined;
    for (const dir of [0, 1] as const) {
      const times = d.times[dir];
      // Deliveries are in capture order: binary search, then the equal run's first.
      let lo = 0,
        hi = times.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (times[mid] < t) lo = mid + 1;
        else hi = mid;
      }
      if (lo < times.length && times[lo] === t) return d.frames[dir][lo];
    }
    return undefined;
  }
}
