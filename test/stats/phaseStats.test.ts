import { describe as group, expect, it } from 'vitest';
import { comparePhase, describe } from '../../src/stats/phaseStats.js';
import { studentTQuantile } from '../../src/stats/studentT.js';

group('Student t', () => {
  it('matches the textbook two-sided 95% critical values', () => {
    // Standard table values (e.g. NIST/SEMATECH handbook, table of t critical values).
    const table: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [5, 2.571],
      [10, 2.228],
      [29, 2.045],
      [39, 2.023],
      [120, 1.98],
    ];
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3);
  });
});

group('describe', () => {
  it('gives mean, sample sd, percentiles and a t interval', () => {
    const s = describe([2, 4, 4, 4, 5, 5, 7, 9])!;
    expect(s.n).toBe(8);
    expect(s.meanMs).toBe(5);
    expect(s.sdMs).toBeCloseTo(2.138, 3); // sample sd
    expect(s.medianMs).toBe(4.5);
    expect(s.minMs).toBe(2);
    expect(s.maxMs).toBe(9);
    const half = 2.365 * (2.138 / Math.sqrt(8)); // t(0.975, 7) = 2.365
    expect(s.ci95Ms[0]).toBeCloseTo(5 - half, 2);
    expect(s.ci95Ms[1]).toBeCloseTo(5 + half, 2);
  });
  it('returns null for no values and a zero-width interval for one', () => {
    expect(describe([])).toBeNull();
    expect(describe([3])!.ci95Ms).toEqual([3, 3]);
  });
});

group('Welch comparison', () => {
  it('finds a clear difference significant and a null one not', () => {
    const a = describe([10, 11, 9, 10, 10.5, 9.5, 10, 10.2])!;
    const b = describe([20, 21, 19, 20, 20.5, 19.5, 20, 20.2])!;
    const c = describe([10.1, 10.9, 9.2, 9.9, 10.4, 9.6, 10.1, 10.0])!;
    expect(comparePhase('x', a, b).significant).toBe(true);
    expect(comparePhase('x', a, b).diffMs).toBeCloseTo(10, 6);
    const same = comparePhase('x', a, c);
    expect(same.significant).toBe(false);
    expect(same.ci95Ms![0]).toBeLessThan(0);
    expect(same.ci95Ms![1]).toBeGreaterThan(0);
  });
});
