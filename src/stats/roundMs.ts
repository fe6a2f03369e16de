/**
 * Durations as the outputs print them: ms rounded to the ns (at most 6 decimals), the
 * precision of the capture clock, so no float noise reaches the JSON.
 */
export const roundMs = (ms: number): number => Math.round(ms * 1e6) / 1e6;

/** A duration's key: `ms` (a thing's own duration) or a name ending in `Ms` (schema vim-analyse/2). */
export const isDurationKey = (key: string): boolean => key === 'ms' || key.endsWith('Ms');

/**
 * A copy of `value` with every number under a duration key (and in its arrays) rounded by roundMs: the name says the
 * unit.
 */
export function roundDurations<T>(value: T, duration = false): T {
  if (typeof value === 'number') return (duration ? roundMs(value) : value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => roundDurations(v, duration)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDurations(v, isDurationKey(k))])) as T;
}
