/** Binary searches in an ascending Float64Array, shared by the detectors' time windows. */

/** The first position whose value is ≥ x (the length when none is). */
export function firstAtLeast(v: Float64Array, x: number): number {
  let lo = 0,
    hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position whose value is > x: the number of values ≤ x. */
export function firstAbove(v: Float64Array, x: number): number {
  let lo = 0,
    hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
