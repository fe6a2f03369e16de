/** FNV-1a (32-bit), the cheap non-cryptographic hash the stages use to bucket bytes and ids. */

export const fnv1aOffset = 0x811c9dc5;

/** One step: mixes `value` (a byte, or any 32-bit number such as a pool index) into `h`. */
export const fnv1aStep = (h: number, value: number): number => Math.imul(h ^ value, 0x01000193);

/** FNV-1a of `values[start..end)`, continuing from `h`; a signed 32-bit number (`>>> 0` for unsigned). */
export function fnv1a(values: ArrayLike<number>, start = 0, end = values.length, h = fnv1aOffset): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ values[i], 0x01000193);
  return h;
}
