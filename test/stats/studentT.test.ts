/**
 * Student's t: quantiles against published table values, and the same value from the memo as
 * from the first search, before and after the memo fills (Welch's fractional df).
 */
import { describe, expect, it } from 'vitest';
import { studentTCdf, studentTQuantile } from '../../src/stats/studentT.js';

describe("Student's t", () => {
  it.each([
    [1, 12.706204736],
    [2, 4.30265273],
    [4, 2.776445105],
    [29, 2.045229642],
    [120, 1.979930405],
  ])('the 97.5 %% quantile with df %i is the table value', (df, table) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(table, 6);
    expect(studentTCdf(studentTQuantile(0.975, df), df)).toBeCloseTo(0.975, 9);
  });

  it('gives the same value again, also after more distinct df than the memo holds', () => {
    const first = studentTQuantile(0.975, 2.5);
    expect(studentTQuantile(0.975, 2.5)).toBe(first);
    for (let i = 0; i < 4100; i++) studentTQuantile(0.975, 3 + i / 1000);
    expect(studentTQuantile(0.975, 2.5)).toBe(first);
    expect(studentTQuantile(0.95, 2.5)).toBeLessThan(first);
  });
});
