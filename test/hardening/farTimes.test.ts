/**
 * Found by the fuzzer (seed 1, variant 109: bit flips in pcapng timestamps): a timestamp
 * far in the future made analyse() throw `RangeError: Invalid time value` from
 * Date.toISOString. Times print as ISO 8601 whatever they are; years past 9999 in the
 * expanded form (sign and six digits), as ISO 8601 allows.
 */
import { describe, expect, it } from 'vitest';
import { SessionClock } from '../../src/capture/sessionClock.js';
import { analyse } from '../../src/pipeline/analyse.js';
import { pcapng } from '../helpers/pcapWriter.js';
import { tempFile } from '../helpers/captureRecords.js';

const at = (unixNs: bigint) => {
  const c = new SessionClock();
  c.relativeFromUnixNs(unixNs);
  return c;
};

describe('SessionClock.iso far from now', () => {
  it.each([
    [1_700_000_000_123_456_789n, 9, '2023-11-14T22:13:20.123456789Z'],
    [253_402_300_799_000_000_000n, 3, '9999-12-31T23:59:59.000Z'],
    [253_402_300_800_000_000_000n, 3, '+010000-01-01T00:00:00.000Z'],
    // 2^64 µs, the largest pcapng µs timestamp: year 586524.
    [18_446_744_073_709_551_615_000n, 6, '+586524-01-19T08:01:49.551615Z'],
  ])('%s ns → %s', (ns, digits, iso) => {
    expect(at(ns).iso(0, digits)).toBe(iso);
  });

  it('gives the same calendar as Date before 1970 (years 1..1969), in the expanded form', () => {
    const c = at(0n);
    for (let day = -719_162; day < 0; day += 997) {
      const ms = day * 86_400_000 + 45_296_000; // 12:34:56
      expect(c.iso(ms * 1e6, 0)).toBe(`+00${new Date(ms).toISOString().slice(0, 19)}Z`);
    }
  });
});

describe('analyse() on a capture with a timestamp in year 586524', () => {
  it('returns a result (start/end printed in the expanded form), not a RangeError', async () => {
    const frame = new Uint8Array(60); // not IP: only the timestamps matter
    const file = pcapng([
      { kind: 'section', littleEndian: true },
      { kind: 'interface', linkType: 1, tsresol: 6 },
      { kind: 'enhanced', iface: 0, ts: 1_700_000_000_000_000n, data: frame },
      { kind: 'enhanced', iface: 0, ts: 0xffffffffffffffffn, data: frame },
    ]);
    const r = await analyse(tempFile('far-time.pcapng', file));
    expect(r.captures[0].start).toBe('2023-11-14T22:13:20.000000Z');
    // Relative ns are doubles: exact for 104 days, to ~2 ms at this distance.
    expect(r.captures[0].end).toMatch(/^\+586524-01-19T08:01:49\.55\d{4}Z$/);
  });
});
