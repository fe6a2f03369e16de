/**
 * IPv4 (with options) and IPv6 (with extension headers) decoding into a reused view.
 * The view holds offsets into the frame, not sub-arrays: a typed-array view per field and
 * packet was a tenth of `info`'s time and most of its garbage. A compact key is built only
 * where a connection needs one, and the dotted text only when a connection is created.
 */

export const ipProtocols = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, fragment: 44 } as const;

// IPv6 extension headers we walk through (RFC 8200 §4): hop-by-hop, routing, destination options, AH.
const ipv6Extensions = new Set([0, 43, 60, 51]);

export interface IpView {
  version: 4 | 6;
  /** The bytes the offsets below point into (the frame, or a reassembled datagram). */
  buf: Uint8Array;
  /** Source and destination address: 4 (IPv4) or 16 (IPv6) bytes at these offsets. */
  srcOff: number;
  dstOff: number;
  protocol: number;
  /** Upper-layer payload buf[payloadOff, payloadEnd) (trimmed to the IP length, padding dropped). */
  payloadOff: number;
  payloadEnd: number;
  /** Fragment info: set when this packet is a fragment. */
  fragment: null | { id: number; offset: number; more: boolean };
}

export function emptyIpView(): IpView {
  return {
    version: 4,
    buf: new Uint8Array(0),
    srcOff: 0,
    dstOff: 0,
    protocol: 0,
    payloadOff: 0,
    payloadEnd: 0,
    fragment: null,
  };
}

export const addressLength = (ip: IpView): number => (ip.version === 4 ? 4 : 16);
export const sourceAddress = (ip: IpView): Uint8Array => ip.buf.subarray(ip.srcOff, ip.srcOff + addressLength(ip));
export const destinationAddress = (ip: IpView): Uint8Array => ip.buf.subarray(ip.dstOff, ip.dstOff + addressLength(ip));
export const ipPayload = (ip: IpView): Uint8Array => ip.buf.subarray(ip.payloadOff, ip.payloadEnd);

export type IpDecodeResult = 'ok' | 'short' | 'bad';

/** Decodes the IPv4 packet at b[o, e) (e: end of the captured frame). */
export function decodeIpv4(b: Uint8Array, o: number, e: number, out: IpView): IpDecodeResult {
  if (e - o < 20) return 'short';
  const vihl = b[o];
  if (vihl >> 4 !== 4) return 'bad';
  const ihl = (vihl & 0x0f) * 4;
  // 0 = the length did not fit (TSO / BIG TCP seen on the sending host): the frame is the packet, as Wireshark reads
  // it.
  const total = (b[o + 2] << 8) | b[o + 3] || e - o;
  if (ihl < 20 || total < ihl) return 'bad';
  // total may exceed what was captured (snaplen): keep what we have.
  const end = Math.min(o + total, e);
  if (end < o + ihl) return 'short';
  out.version = 4;
  out.protocol = b[o + 9];
  out.buf = b;
  out.srcOff = o + 12;
  out.dstOff = o + 16;
  out.payloadOff = o + ihl;
  out.payloadEnd = end;
  const flagsFrag = (b[o + 6] << 8) | b[o + 7];
  const more = (flagsFrag & 0x2000) !== 0;
  const fragOffset = (flagsFrag & 0x1fff) * 8;
  out.fragment = more || fragOffset > 0 ? { id: (b[o + 4] << 8) | b[o + 5], offset: fragOffset, more } : null;
  return 'ok';
}

/** Decodes the IPv6 packet at b[o, e) (e: end of the captured frame). */
export function decodeIpv6(b: Uint8Array, o: number, e: number, out: IpView): IpDecodeResult {
  if (e - o < 40) return 'short';
  if (b[o] >> 4 !== 6) return 'bad';
  const plen = (b[o + 4] << 8) | b[o + 5];
  const next = b[o + 6];
  out.version = 6;
  out.buf = b;
  out.srcOff = o + 8;
  out.dstOff = o + 24;
  out.fragment = null;
  const end = Math.min(o + 40 + plen, e);
  return walkIpv6Headers(b, o + 40, end, next, out);
}

/**
 * Walks IPv6 extension headers from `p` (the first being `next`) to the upper layer and
 * sets out.protocol / out.payloadOff / out.payloadEnd (in `b`, which becomes out.buf). Stops at a fragment header:
 * what follows it is only
 * meaningful once the datagram is reassembled (call again on the whole payload then).
 */
export function walkIpv6Headers(b: Uint8Array, p: number, end: number, next: number, out: IpView): IpDecodeResult {
  for (;;) {
    if (ipv6Extensions.has(next)) {
      if (end - p < 8) return 'short';
      const len = next === 51 ? (b[p + 1] + 2) * 4 : (b[p + 1] + 1) * 8;
      next = b[p];
      p += len;
      continue;
    }
    if (next === ipProtocols.fragment) {
      if (end - p < 8) return 'short';
      const offMore = (b[p + 2] << 8) | b[p + 3];
      const id = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
      out.fragment = { id, offset: offMore & 0xfff8, more: (offMore & 1) === 1 };
      next = b[p];
      p += 8;
    }
    break;
  }
  if (p > end) return 'bad';
  out.protocol = next;
  out.buf = b;
  out.payloadOff = p;
  out.payloadEnd = end;
  return 'ok';
}

/** Compact map key for the address of `len` (4 or 16) bytes at a[o] (2 bytes per char). */
export function addressKey(a: Uint8Array, o = 0, len = a.length): string {
  return len === 4
    ? String.fromCharCode((a[o] << 8) | a[o + 1], (a[o + 2] << 8) | a[o + 3])
    : String.fromCharCode(
        (a[o] << 8) | a[o + 1],
        (a[o + 2] << 8) | a[o + 3],
        (a[o + 4] << 8) | a[o + 5],
        (a[o + 6] << 8) | a[o + 7],
        (a[o + 8] << 8) | a[o + 9],
        (a[o + 10] << 8) | a[o + 11],
        (a[o + 12] << 8) | a[o + 13],
        (a[o + 14] << 8) | a[o + 15],
      );
}

export function addressText(a: Uint8Array): string {
  if (a.length === 4) return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((a[i] << 8) | a[i + 1]).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1,
    bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** `ip:port` with IPv6 in brackets. */
export function endpointText(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

const hostCache = new Map<string, string>();

/**
 * The host of an endpoint `endpointText` wrote (`ip:port`, `[v6]:port`). Memoised:
 * correlators, detectors and reports ask it of every message, and endpoints are few.
 */
export function endpointHost(endpoint: string): string {
  let host = hostCache.get(endpoint);
  if (host === undefined) {
    const v6 = /^\[(.*)\]:\d+$/.exec(endpoint);
    const i = endpoint.lastIndexOf(':');
    host = v6 ? v6[1] : i > 0 && endpoint.indexOf(':') === i ? endpoint.slice(0, i) : endpoint;
    if (hostCache.size >= 100_000) hostCache.clear();
    hostCache.set(endpoint, host);
  }
  return host;
}
