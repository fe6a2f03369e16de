/**
 * Exact time arithmetic for log lines: decimal seconds and civil dates → Unix ns as bigint.
 * Digits are never routed through a float, so `1795585078.469655862` stays exact to the ns.
 */

const NS_PER_S = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;
const NS_PER_MIN = 60_000_000_000n;

export interface ExactTime {
  ns: bigint;
  /** Digits after the second. */
  precision: number;
}

const DECIMAL_SECONDS = /^(\d{1,12})(?:\.(\d{0,9}))?$/;

/** `1795585078.469655862` → ns, precision 9. Undefined for anything but digits[.up to 9 digits]. */
export function decimalSecondsToNs(text: string): ExactTime | undefined {
  const m = DECIMAL_SECONDS.exec(text);
  if (!m) return undefined;
  const frac = m[2] ?? '';
  return { ns: BigInt(m[1]) * NS_PER_S + fracToNs(frac), precision: frac.length };
}

/** Fraction digits of a second (up to 9) → ns. */
export function fracToNs(frac: string): bigint {
  return frac.length === 0 ? 0n : BigInt(frac.padEnd(9, '0'));
}

/**
 * A civil date-time → Unix ns. `offsetMinutes` is the zone the time was written in (UTC+offset),
 * so the result is the instant minus that offset. Undefined when a field is out of range
 * (month 13, 31 February, 25 h).
 */
export function civilToNs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  frac: string,
  offsetMinutes: number,
): bigint | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, 0);
  if (new Date(ms).getUTCDate() !== day) return undefined; // 31 February rolled over
  return BigInt(ms) * NS_PER_MS + BigInt(second) * NS_PER_S + fracToNs(frac) - BigInt(offsetMinutes) * NS_PER_MIN;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** RFC 3339 / hclog time (`2023-01-02T15:04:05.000Z`, `…+0100`, `…+01:00`); no zone → `defaultOffsetMinutes`. */
export function rfc3339ToNs(text: string, defaultOffsetMinutes: number): ExactTime | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const zone = m[8];
  const offset = zone === undefined ? defaultOffsetMinutes : zoneOffsetMinutes(zone);
  const frac = m[7] ?? '';
  const ns = civilToNs(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], frac, offset);
  return ns === undefined ? undefined : { ns, precision: frac.length };
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

/** Go duration units in ms (`µs` U+00B5 and `μs` U+03BC both occur). */
const GO_UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1e3,
  m: 60e3,
  h: 3600e3,
};

/** One Go `time.Duration.String()` text, e.g. `40.123ms`, `1m2.5s`, `350µs`, `0s`. */
export const GO_DURATION_SOURCE = '(?:\\d+(?:\\.\\d+)?(?:ns|us|µs|μs|ms|s|m|h))+';
const GO_DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g;
const GO_DURATION_WHOLE = new RegExp(`^-?${GO_DURATION_SOURCE}$`);

/** Go duration text → ms; undefined when it is not one. */
export function goDurationToMs(text: string): number | undefined {
  if (!GO_DURATION_WHOLE.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(GO_DURATION_PART)) ms += Number(m[1]) * GO_UNIT_MS[m[2]];
  return text.startsWith('-') ? -ms : ms;
}

/** Decimal seconds text (`0.51`, `0.293798`) → ms, rounded to the ns to drop float noise. */
export function secondsTextToMs(text: string): number {
  return Math.round(Number(text) * 1e9) / 1e6;
}
