/**
 * The session's time base. Inside the pipeline a time is integer nanoseconds since the
 * first packet of the session (exact in a double for 104 days); the epoch itself is kept
 * as a bigint of Unix nanoseconds so absolute times print exactly.
 */
export class SessionClock {
  epochNs: bigint | null = null;
  private epochSec = 0;
  private epochNsec = 0;

  /** Relative ns for an absolute (seconds, nanoseconds) time; the first call sets the epoch. */
  relative(sec: number, nsec: number): number {
    if (this.epochNs === null) {
      this.epochSec = sec;
      this.epochNsec = nsec;
      this.epochNs = BigInt(sec) * 1_000_000_000n + BigInt(nsec);
    }
    return (sec - this.epochSec) * 1e9 + (nsec - this.epochNsec);
  }

  /** Relative ns for an absolute Unix-ns bigint (sets the epoch if unset). */
  relativeFromUnixNs(unixNs: bigint): number {
    const sec = Number(unixNs / 1_000_000_000n);
    const nsec = Number(unixNs % 1_000_000_000n);
    return this.relative(sec, nsec);
  }

  /** Absolute Unix ns of a relative time. */
  absoluteNs(rel: number): bigint {
    return (this.epochNs ?? 0n) + BigInt(Math.round(rel));
  }

  /** ISO 8601 with `digits` fractional digits (6 for µs captures, 9 for ns). */
  iso(rel: number, digits = 9): string {
    const abs = this.absoluteNs(rel);
    const sec = abs / 1_000_000_000n;
    const frac = abs % 1_000_000_000n;
    const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
    if (digits <= 0) return `${base}Z`;
    const f = frac.toString().padStart(9, '0').slice(0, digits);
    return `${base}.${f}Z`;
  }
}
