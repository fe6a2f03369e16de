/**
 * How deep msgpack containers nest, checked before a value is decoded: the library keeps a
 * state per open container, so 16 million nested arrays in a 16 MB reply field took 2.7 GB.
 * The walk keeps one count per open level and gives up past `maxDepth`, so it costs at
 * most `maxDepth` numbers whatever the input.
 */

/** Nesting no Nomad or oslo struct comes near (their deepest are about a dozen levels). */
export const maxMsgpackDepth = 128;

/** Bytes after the type byte (fixed), or the size of its length field (negative), for 0xc0–0xdf. */
const extra: Record<number, number> = {
  0xc0: 0,
  0xc2: 0,
  0xc3: 0,
  0xca: 4,
  0xcb: 8,
  0xcc: 1,
  0xcd: 2,
  0xce: 4,
  0xcf: 8,
  0xd0: 1,
  0xd1: 2,
  0xd2: 4,
  0xd3: 8,
  0xd4: 2,
  0xd5: 3,
  0xd6: 5,
  0xd7: 9,
  0xd8: 17,
  0xc4: -1,
  0xc5: -2,
  0xc6: -4,
  0xd9: -1,
  0xda: -2,
  0xdb: -4,
  0xc7: -1,
  0xc8: -2,
  0xc9: -4,
};

function len(b: Uint8Array, at: number, n: number): number {
  if (n === 1) return b[at];
  if (n === 2) return (b[at] << 8) | b[at + 1];
  return ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
}

/** True when containers in `b` (one or more whole objects) nest deeper than `maxDepth`. */
export function nestsDeeperThan(b: Uint8Array, maxDepth = maxMsgpackDepth): boolean {
  // Each container takes at least one byte: a short slice cannot be too deep.
  if (b.length <= maxDepth) return false;
  const left = new Float64Array(maxDepth + 1);
  let depth = 0;
  left[0] = Infinity;
  let pos = 0;
  while (pos < b.length) {
    const t = b[pos];
    let children = 0;
    if (t <= 0x7f || t >= 0xe0) pos += 1;
    else if (t <= 0x8f) {
      pos += 1;
      children = 2 * (t & 0x0f);
    } else if (t <= 0x9f) {
      pos += 1;
      children = t & 0x0f;
    } else if (t <= 0xbf) pos += 1 + (t & 0x1f);
    else if (t === 0xdc || t === 0xdd || t === 0xde || t === 0xdf) {
      const n = t === 0xdc || t === 0xde ? 2 : 4;
      if (pos + 1 + n > b.length) return false;
      const count = len(b, pos + 1, n);
      children = t >= 0xde ? 2 * count : count;
      pos += 1 + n;
    } else {
      const e = extra[t];
      if (e === undefined) return false; // invalid: the decoder will say so
      if (e >= 0) pos += 1 + e;
      else {
        const n = -e;
        if (pos + 1 + n > b.length) return false;
        pos += 1 + n + len(b, pos + 1, n) + (t >= 0xc7 && t <= 0xc9 ? 1 : 0);
      }
    }
    left[depth]--;
    if (children > 0) {
      if (depth === maxDepth) return true;
      left[++depth] = children;
    }
    while (depth > 0 && left[depth] === 0) depth--;
  }
  return false;
}
