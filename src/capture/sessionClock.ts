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
    let abs = this.absoluteNs(rel);
    // Past 2^53 ns (104 days from the epoch) a relative time is a few ns off: round to the
    // digits printed rather than cut, so a µs capture spanning years still prints its µs.
    if (Math.abs(rel) >= exactNs && digits < 9) {
      const unit = 10n ** BigInt(9 - Math.max(0, digits));
      abs = floorDiv(abs + unit / 2n, unit) * unit;
    }
    return this.isoUnix(abs, digits);
  }

  /**
   * Unix ns of a relative time as a decimal string: the same instant `iso(rel, digits)`
   * prints, to the same digits (consumers need not go through Date.parse, which keeps ms).
   */
  unixNsText(rel: number, digits = 9): string {
    let abs = this.absoluteNs(rel);
    const unit = 10n ** BigInt(9 - Math.min(9, Math.max(0, digits)));
    if (Math.abs(rel) >= exactNs && digits < 9) abs = floorDiv(abs + unit / 2n, unit) * unit;
    return (floorDiv(abs, unit) * unit).toString();
  }

  /** `unixNsText` of a record time, from its exact Unix ns when known (as `isoOf`). */
  unixNsTextOf(rel: number | null, exact: bigint | undefined, digits = 9): string | null {
    if (exact === undefined) return rel === null ? null : this.unixNsText(rel, digits);
    const unit = 10n ** BigInt(9 - Math.min(9, Math.max(0, digits)));
    return (floorDiv(exact, unit) * unit).toString();
  }

  /**
   * ISO 8601 of a record time: exact when its absolute Unix ns are known (capture summaries), else from the relative
   * ns.
   */
  isoOf(rel: number | null, exact: bigint | undefined, digits = 9): string | null {
    if (exact !== undefined) return this.isoUnix(exact, digits);
    return rel === null ? null : this.iso(rel, digits);
  }

  /** ISO 8601 of an absolute Unix-ns time, exactly. */
  isoUnix(abs: bigint, digits = 9): string {
    const sec = floorDiv(abs, 1_000_000_000n);
    const frac = abs - sec * 1_000_000_000n;
    const base = sec >= 0n && sec < year10000 ? new Date(Number(sec) * 1000).toISOString().slice(0, 19) : farIso(sec);
    if (digits <= 0) return `${base}Z`;
    const f = frac.toString().padStart(9, '0').slice(0, digits);
    return `${base}.${f}Z`;
  }
}

/** Relative ns beyond this are not exact in a double. */
const exactNs = 2 ** 53;

/** Date prints 4-digit years only up to 9999 (and throws past ±8.64e15 ms). */
const year10000 = 253_402_300_800n;

const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/**
 * ISO 8601 (expanded year, e.g. `+584554-…`) for whole Unix seconds before 1970 or past 9999:
 * a bit flip in a 64-bit timestamp must print, not throw. Civil-from-days, H. Hinnant.
 */
function farIso(sec: bigint): string {
  const days = floorDiv(sec, 86400n);
  const secOfDay = Number(sec - days * 86400n);
  const z = days + 719468n;
  const era = floorDiv(z, 146097n);
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const day = doy - (153n * mp + 2n) / 5n + 1n;
  const month = mp < 10n ? mp + 3n : mp - 9n;
  const year = yoe + era * 400n + (month <= 2n ? 1n : 0n);
  const two = (n: number | bigint) => String(n).padStart(2, '0');
  const y = `${year < 0n ? '-' : '+'}${(year < 0n ? -year : year).toString().padStart(6, '0')}`;
  return (
    `${y}-${two(month)}-${two(day)}T${two(Math.floor(secOfDay / 3600))}` +
    `:${two(Math.floor(secOfDay / 60) % 60)}:${two(secOfDay % 60)}`
  );
}
