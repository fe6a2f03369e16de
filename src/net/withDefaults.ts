/**
 * Limits given in part over their defaults. A key given as undefined keeps its default:
 * `{ ...defaults, ...given }` would set it to undefined, and a NaN bound lets everything
 * through (or, as a buffer size, throws).
 */
export function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const out = { ...defaults };
  if (given) for (const k of Object.keys(given) as (keyof T)[]) if (given[k] !== undefined) out[k] = given[k];
  return out;
}
