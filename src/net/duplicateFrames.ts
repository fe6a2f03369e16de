/**
 * `tcpdump -i any` sees a packet once per interface it crosses (a bridge and its member
 * veth, a VLAN and its parent). Such copies are the same IP packet within a few hundred
 * µs on different interfaces: count them once. TTL and the IPv4 checksum are left out of
 * the comparison, since forwarding between the interfaces may change them.
 */

/** Copies further apart than this are not the same crossing. */
export const duplicateWindowNs = 1e6;

interface Seen {
  ts: number;
  iface: number;
  len: number;
}

export class DuplicateFrameFilter {
  private recent = new Map<number, Seen[]>();
  private order: { hash: number; ts: number }[] = [];
  private head = 0;
  duplicates = 0;

  /**
   * True when `l3` (an IP packet) is a copy of one seen on another interface within the
   * window. `iface` < 0 means unknown (Linux SLL): then any recent copy counts.
   */
  isDuplicate(l3: Uint8Array, ts: number, iface: number): boolean {
    this.expire(ts);
    const h = hashPacket(l3);
    const list = this.recent.get(h);
    if (list) {
      for (const s of list) {
        if (s.len === l3.length && ts - s.ts <= duplicateWindowNs && (iface < 0 || s.iface < 0 || s.iface !== iface)) {
          this.duplicates++;
          return true;
        }
      }
      list.push({ ts, iface, len: l3.length });
    } else this.recent.set(h, [{ ts, iface, len: l3.length }]);
    this.order.push({ hash: h, ts });
    return false;
  }

  private expire(now: number): void {
    const o = this.order;
    while (this.head < o.length && now - o[this.head].ts > duplicateWindowNs) {
      const { hash, ts } = o[this.head++];
      const list = this.recent.get(hash);
      if (list) {
        const i = list.findIndex((s) => s.ts === ts);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.recent.delete(hash);
      }
    }
    if (this.head > 4096 && this.head * 2 > o.length) {
      this.order = o.slice(this.head);
      this.head = 0;
    }
  }
}

/** FNV-1a over the packet, skipping IPv4 TTL (8) and header checksum (10, 11). */
function hashPacket(b: Uint8Array): number {
  let h = 0x811c9dc5;
  const v4 = b.length > 0 && b[0] >> 4 === 4;
  const n = Math.min(b.length, 96);
  for (let i = 0; i < n; i++) {
    if (v4 && (i === 8 || i === 10 || i === 11)) continue;
    h = Math.imul(h ^ b[i], 0x01000193);
  }
  // The tail too: two segments may share their first 96 bytes.
  for (let i = Math.max(n, b.length - 32); i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return (h ^ b.length) >>> 0;
}
