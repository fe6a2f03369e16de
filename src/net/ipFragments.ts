/**
 * IP fragment reassembly (IPv4 and IPv6), bounded: at most `maxDatagrams` in progress and
 * `maxBytes` buffered; a datagram not completed within `timeoutNs` is dropped and counted.
 * Fragments may arrive in any order; overlaps keep the first copy of each byte.
 */
import { addressKey } from './ipPacket.js';
import { addressLength, destinationAddress, sourceAddress, type IpView } from './ipPacket.js';

interface Pending {
  parts: { offset: number; data: Uint8Array }[];
  /** Total length, known once the last fragment (more = false) arrived. */
  total: number;
  bytes: number;
  firstTs: number;
  src: Uint8Array;
  dst: Uint8Array;
  protocol: number;
  version: 4 | 6;
}

export interface FragmentLimits {
  maxDatagrams: number;
  maxBytes: number;
  timeoutNs: number;
}

export class IpFragmentReassembler {
  private pending = new Map<string, Pending>();
  private bufferedBytes = 0;
  fragments = 0;
  reassembled = 0;
  dropped = 0;

  constructor(
    private readonly limits: FragmentLimits = { maxDatagrams: 4096, maxBytes: 32 * 1024 * 1024, timeoutNs: 30e9 },
  ) {}

  /**
   * Add a fragment; returns a whole datagram view (in `ip`, payload replaced) when this
   * fragment completes one, else null.
   */
  add(ip: IpView, ts: number): IpView | null {
    this.fragments++;
    const f = ip.fragment!;
    const alen = addressLength(ip);
    const key =
      `${ip.version}${addressKey(ip.buf, ip.srcOff, alen)}${addressKey(ip.buf, ip.dstOff, alen)}` +
      `${ip.protocol}:${f.id}`;
    let p = this.pending.get(key);
    if (!p) {
      if (this.pending.size >= this.limits.maxDatagrams) this.expire(ts, true);
      p = {
        parts: [],
        total: -1,
        bytes: 0,
        firstTs: ts,
        src: sourceAddress(ip).slice(),
        dst: destinationAddress(ip).slice(),
        protocol: ip.protocol,
        version: ip.version,
      };
      this.pending.set(key, p);
    }
    const payloadLength = ip.payloadEnd - ip.payloadOff;
    if (this.bufferedBytes + payloadLength > this.limits.maxBytes) {
      this.dropped++;
      return null;
    }
    p.parts.push({ offset: f.offset, data: ip.buf.slice(ip.payloadOff, ip.payloadEnd) });
    p.bytes += payloadLength;
    this.bufferedBytes += payloadLength;
    if (!f.more) p.total = f.offset + payloadLength;
    if (p.total < 0) return null;
    // Complete when the parts cover [0, total) without a hole.
    p.parts.sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const part of p.parts) {
      if (part.offset > covered) return null;
      covered = Math.max(covered, part.offset + part.data.length);
    }
    if (covered < p.total) return null;
    // One buffer: source address, destination address, then the datagram's payload.
    const alen2 = p.src.length;
    const whole = new Uint8Array(2 * alen2 + p.total);
    whole.set(p.src, 0);
    whole.set(p.dst, alen2);
    // Overlapping parts: the one with the higher offset wins (no stack we know sends overlaps).
    for (const part of p.parts)
      whole.set(
        part.data.subarray(0, Math.max(0, Math.min(part.data.length, p.total - part.offset))),
        2 * alen2 + part.offset,
      );
    this.pending.delete(key);
    this.bufferedBytes -= p.bytes;
    this.reassembled++;
    return {
      version: p.version,
      buf: whole,
      srcOff: 0,
      dstOff: alen2,
      protocol: p.protocol,
      payloadOff: 2 * alen2,
      payloadEnd: whole.length,
      fragment: null,
    };
  }

  /** Drop datagrams older than the timeout (or the oldest one when `force`). */
  expire(now: number, force = false): void {
    for (const [k, p] of this.pending) {
      if (force || now - p.firstTs > this.limits.timeoutNs) {
        this.pending.delete(k);
        this.bufferedBytes -= p.bytes;
        this.dropped += p.parts.length;
        if (force) return;
      }
    }
  }

  get inProgress(): number {
    return this.pending.size;
  }
}
