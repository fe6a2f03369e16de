/**
 * `tcpdump -i any` sees a packet once per interface it crosses (a bridge and its member
 * veth, a VLAN and its parent). Such copies are the same IP packet within a few hundred
 * µs on different interfaces: count them once. TTL and the IPv4 checksum are left out of
 * the comparison, since forwarding between the interfaces may change them.
 *
 * Every packet of an `-i any` capture passes through here, so the packets seen in the
 * window live in a ring of typed arrays chained per hash bucket: nothing is allocated per
 * packet.
 */
import { fnv1aOffset, fnv1aStep } from '../bytes/fnv1a.js';

/** Copies further apart than this are not the same crossing. */
export const duplicateWindowNs = 1e6;

/**
 * Packets remembered: a copy more than this many packets after the original is not found (16 M packets/s in the
 * window).
 */
export const duplicateRingSize = 1 << 14;
const bucketCount = 1 << 13;

/** Slot i holds i + the ring size, a number no link names (a loop: `Int32Array.from` with a map is slow). */
function unlinkedSlots(): Int32Array {
  const a = new Int32Array(duplicateRingSize);
  for (let i = 0; i < duplicateRingSize; i++) a[i] = i + duplicateRingSize;
  return a;
}

export class DuplicateFrameFilter {
  // Int32 everywhere, so that no value crossing a call is a boxed double (a uint32 hash
  // returned from a call was one: the filter doubled the GC time of `info`).
  private readonly hash = new Int32Array(duplicateRingSize);
  private readonly ts = new Float64Array(duplicateRingSize);
  private readonly iface = new Int32Array(duplicateRingSize);
  private readonly len = new Int32Array(duplicateRingSize);
  /**
   * The sequence number each slot holds now: a chain link to a slot reused since is cut
   * there. It starts as one no link names (links name packets already stored, or -1).
   */
  private readonly seqAt = unlinkedSlots();
  /** Sequence number of the previous packet in the same bucket. */
  private readonly prev = new Int32Array(duplicateRingSize);
  /** Sequence number of the newest packet in each bucket (-1: none yet). */
  private readonly head = new Int32Array(bucketCount).fill(-1);
  /** Packets remembered so far (mod 2^32); packet k lives in slot k mod the ring size. */
  private seq = 0;
  duplicates = 0;
  /** A view for reading words of the buffer the last packets came from (a read chunk holds thousands). */
  private words: DataView = new DataView(new ArrayBuffer(0));
  private wordsOf: Uint8Array | undefined;

  /**
   * True when the IP packet at `b[s, e)` is a copy of one seen on another interface within
   * the window. `iface` < 0 means unknown (Linux SLL): then any recent copy counts.
   */
  isDuplicate(b: Uint8Array, s: number, e: number, ts: number, iface: number): boolean {
    if (b !== this.wordsOf) {
      this.wordsOf = b;
      this.words = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    const h = hashPacket(this.words, s, e);
    const length = e - s;
    const bucket = h & (bucketCount - 1);
    const mask = duplicateRingSize - 1;
    // Each link leads to an older packet; a slot holding another sequence number has been reused.
    for (let k = this.head[bucket]; this.seqAt[k & mask] === k; k = this.prev[k & mask]) {
      const slot = k & mask;
      // Chains are newest first: once past the window, so is the rest.
      if (ts - this.ts[slot] > duplicateWindowNs) break;
      if (this.hash[slot] === h && this.len[slot] === length) {
        const other = this.iface[slot];
        if (iface < 0 || other < 0 || other !== iface) {
          this.duplicates++;
          return true;
        }
      }
    }
    const k = this.seq;
    this.seq = (k + 1) | 0;
    const slot = k & mask;
    this.hash[slot] = h;
    this.ts[slot] = ts;
    this.iface[slot] = iface;
    this.len[slot] = length;
    this.seqAt[slot] = k;
    this.prev[slot] = this.head[bucket];
    this.head[bucket] = k;
    return false;
  }
}

/**
 * Bytes of the layer-4 header hashed: TCP's ports, sequence, acknowledgement, flags and checksum (which covers the
 * payload); UDP's header and first bytes.
 */
const hashedL4 = 20;

/**
 * A hash of the packet at v[s, e): for IPv4 carrying at least 20 bytes of layer 4 (TCP
 * and UDP over IPv4, nearly every packet), the words that tell two packets of a flow
 * apart — length, IP id, addresses, ports, TCP sequence, acknowledgement and checksum
 * (which covers the payload) — and never TTL or the header checksum; for anything else
 * FNV-1a over the IP header and the start of layer 4. Murmur3's finaliser then makes the
 * low bits that choose the bucket depend on every word.
 */
function hashPacket(v: DataView, s: number, e: number): number {
  const length = e - s;
  const first = length > 0 ? v.getUint8(s) : 0;
  const o = s + (first & 15) * 4;
  if (first >> 4 === 4 && o + hashedL4 <= e) {
    let h = fnv1aStep(fnv1aOffset, v.getUint32(s));
    h = fnv1aStep(h, v.getUint32(s + 4));
    h = fnv1aStep(h, v.getUint8(s + 9));
    h = fnv1aStep(h, v.getUint32(s + 12));
    h = fnv1aStep(h, v.getUint32(s + 16));
    h = fnv1aStep(h, v.getUint32(o));
    h = fnv1aStep(h, v.getUint32(o + 4));
    h = fnv1aStep(h, v.getUint32(o + 8));
    h = fnv1aStep(h, v.getUint32(o + 16));
    return mix(h ^ length);
  }
  let h = fnv1aOffset ^ length;
  const end = s + Math.min(length, (first >> 4 === 4 ? (first & 15) * 4 : 40) + hashedL4);
  for (let i = s; i < end; i++) {
    if (first >> 4 === 4 && (i - s === 8 || i - s === 10 || i - s === 11)) continue;
    h = fnv1aStep(h, v.getUint8(i));
  }
  return mix(h);
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
