/** Little helpers to read integers from a byte array in either byte order, without a DataView per packet. */

export function u16(b: Uint8Array, o: number, le: boolean): number {
  return le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
}

export function u32(b: Uint8Array, o: number, le: boolean): number {
  return le
    ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
    : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Signed 64-bit as a double (exact below 2^53), for pcapng if_tsoffset. */
export function i64(b: Uint8Array, o: number, le: boolean): number {
  const lo = u32(b, le ? o : o + 4, le);
  const hi = u32(b, le ? o + 4 : o, le) | 0;
  return hi * 4294967296 + lo;
}

/**
 * Split a 64-bit timestamp (hi, lo 32-bit halves) in units of 1/unitsPerSec seconds into
 * whole seconds and nanoseconds, exactly: a nanosecond timestamp does not fit a double.
 */
export function splitTimestamp(hi: number, lo: number, unitsPerSec: number): [sec: number, nsec: number] {
  const x = hi * 65536 + (lo >>> 16); // < 2^48: exact
  const q1 = Math.floor(x / unitsPerSec);
  const r1 = x - q1 * unitsPerSec;
  const y = r1 * 65536 + (lo & 0xffff); // < unitsPerSec * 2^16: exact for any sane resolution
  const q2 = Math.floor(y / unitsPerSec);
  const r2 = y - q2 * unitsPerSec;
  const sec = q1 * 65536 + q2;
  // Truncated, not rounded, as Wireshark does: 3/1024 s is 2929687 ns.
  const nsec = unitsPerSec === 1e9 ? r2 : unitsPerSec === 1e6 ? r2 * 1000 : Math.floor((r2 * 1e9) / unitsPerSec);
  return [sec, nsec];
}

export function hex(b: Uint8Array, n = 8): string {
  return Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join(' ');
}
