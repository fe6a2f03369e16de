/**
 * ISO 8601 times of the result contract (`2026-11-25T05:37:54.337084525Z`, up to 9
 * fraction digits) as exact Unix nanoseconds: Date.parse keeps only milliseconds, and
 * trace formats need the rest.
 */

const isoPattern = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** Unix nanoseconds of an ISO 8601 time; null when it is not one. */
export function isoToUnixNs(iso: string): bigint | null {
  const m = isoPattern.exec(iso);
  if (!m) return null;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return null;
  const fraction = (m[2] ?? '').padEnd(9, '0');
  return BigInt(seconds) * 1_000_000n + BigInt(fraction);
}

/** Milliseconds from `origin` to `iso` (both ISO), exact to the nanosecond before rounding to a double. */
export function msBetween(origin: bigint, iso: string): number {
  const t = isoToUnixNs(iso);
  return t === null ? NaN : Number(t - origin) / 1e6;
}
