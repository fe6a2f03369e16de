/**
 * Frame builders for fixture tests: link layers (Ethernet with 802.1Q/QinQ tags, Linux
 * SLL and SLL2, BSD loopback), IPv4 (options, fragments), IPv6 (extension headers,
 * fragments) and TCP. Checksums are left zero: the decoder under test does not check them.
 */
import { concat } from './pcapWriter.js';

export const linkType = { null: 0, ethernet: 1, rawIp: 101, sll: 113, sll2: 276, ipv4: 228, ipv6: 229 } as const;
export const etherType = { ipv4: 0x0800, ipv6: 0x86dd, arp: 0x0806, vlan: 0x8100, qinq: 0x88a8 } as const;

const be16 = (v: number) => Uint8Array.of(v >>> 8, v);
/** `be16` and `be32` written in place (the same bytes: a Uint8Array keeps each value's low 8 bits). */
function putBe16(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 8;
  b[at + 1] = v;
}
function putBe32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}
const be32 = (v: number) => Uint8Array.of(v >>> 24, v >>> 16, v >>> 8, v);
const etherTypeOf = (l3: Uint8Array) => (l3[0] >> 4 === 6 ? etherType.ipv6 : etherType.ipv4);

const macs = Uint8Array.of(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1);

/**
 * Ethernet II; `tags` are the TPIDs of VLAN tags outermost first, e.g. [0x88a8, 0x8100] for QinQ.
 * Ethernet, IPv4 and TCP write their header into one new array with the payload (the hostile
 * captures build hundreds of thousands of frames).
 */
export function ethernet(l3: Uint8Array, o: { tags?: number[]; type?: number } = {}): Uint8Array {
  const tags = o.tags ?? [];
  const head = 14 + 4 * tags.length;
  const out = new Uint8Array(head + l3.length);
  putEthernet(out, tags, o.type ?? etherTypeOf(l3));
  out.set(l3, head);
  return out;
}

function putEthernet(out: Uint8Array, tags: number[], type: number): void {
  out.set(macs, 0);
  tags.forEach((tpid, i) => {
    putBe16(out, 12 + 4 * i, tpid);
    putBe16(out, 14 + 4 * i, 100 + i);
  });
  putBe16(out, 12 + 4 * tags.length, type);
}

/** Linux cooked capture v1: packet type, ARPHRD, address length, 8 address bytes, protocol. */
export function sll(l3: Uint8Array, type: number = etherTypeOf(l3)): Uint8Array {
  return concat([be16(0), be16(1), be16(6), Uint8Array.of(2, 0, 0, 0, 0, 1, 0, 0), be16(type), l3]);
}

/** Linux cooked capture v2 (tcpdump -i any): protocol, reserved, interface index, ARPHRD, type, address. */
export function sll2(l3: Uint8Array, ifIndex: number, type: number = etherTypeOf(l3)): Uint8Array {
  return concat([
    be16(type),
    be16(0),
    be32(ifIndex),
    be16(1),
    Uint8Array.of(0, 6),
    Uint8Array.of(2, 0, 0, 0, 0, 1, 0, 0),
    l3,
  ]);
}

/** BSD loopback: a 4-byte address family in the capturing host's byte order (2 = IPv4, 24/28/30 = IPv6). */
export function nullLoopback(l3: Uint8Array, o: { littleEndian?: boolean; family?: number } = {}): Uint8Array {
  const af = o.family ?? (l3[0] >> 4 === 6 ? 30 : 2);
  const head = (o.littleEndian ?? true) ? Uint8Array.of(af, af >>> 8, 0, 0) : be32(af);
  return concat([head, l3]);
}

export const ip4 = (s: string): Uint8Array => Uint8Array.from(s.split('.').map(Number));

/** IPv6 text (with at most one `::`) to 16 bytes. */
export function ip6(s: string): Uint8Array {
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const groups = (x: string | undefined) => (x ? x.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head),
    t = groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return concat(all.map(be16));
}

export interface Ipv4Options {
  src: string;
  dst: string;
  protocol?: number;
  id?: number;
  /** Header options, padded to 4 bytes. */
  options?: Uint8Array;
  /** Fragment offset in bytes (multiple of 8) and more-fragments flag. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  /** Extra bytes after the IP packet (Ethernet padding), not counted in total length. */
  trailer?: Uint8Array;
}

export function ipv4(payload: Uint8Array, o: Ipv4Options): Uint8Array {
  const head = ipv4HeaderLength(o);
  const trailer = o.trailer ?? new Uint8Array(0);
  const h = new Uint8Array(head + payload.length + trailer.length);
  putIpv4(h, 0, o, head + payload.length);
  h.set(payload, head);
  h.set(trailer, head + payload.length);
  return h;
}

const ipv4HeaderLength = (o: Ipv4Options) => 20 + (((o.options?.length ?? 0) + 3) & ~3);

/** The IPv4 header at `at`, for a packet of `total` bytes (its trailer not counted). */
function putIpv4(h: Uint8Array, at: number, o: Ipv4Options, total: number): void {
  h[at] = 0x40 | (ipv4HeaderLength(o) / 4);
  putBe16(h, at + 2, total);
  putBe16(h, at + 4, o.id ?? 1);
  putBe16(h, at + 6, ((o.moreFragments ? 1 : 0) << 13) | ((o.fragmentOffset ?? 0) / 8));
  h[at + 8] = 64;
  h[at + 9] = o.protocol ?? 6;
  h.set(ip4(o.src), at + 12);
  h.set(ip4(o.dst), at + 16);
  if (o.options) h.set(o.options, at + 20);
}

/** Cut `payload` into n pieces at multiples of 8 bytes: piece i covers [start, end). */
function pieces(length: number, n: number): [number, number][] {
  const step = Math.ceil(length / n / 8) * 8;
  const out: [number, number][] = [];
  for (let s = 0; s < length; s += step) out.push([s, Math.min(length, s + step)]);
  return out;
}

/** The IPv4 fragments of one datagram, in offset order (tests reorder them). */
export function ipv4Fragments(payload: Uint8Array, n: number, o: Ipv4Options): Uint8Array[] {
  const parts = pieces(payload.length, n);
  return parts.map(([s, e], i) =>
    ipv4(payload.subarray(s, e), { ...o, fragmentOffset: s, moreFragments: i < parts.length - 1 }),
  );
}

/** An IPv6 extension header: hop-by-hop (0) or destination options (60), padded with PadN. */
export interface Ipv6Extension {
  type: 0 | 60;
  /** Length in 8-byte units beyond the first 8 (the Hdr Ext Len field). */
  units?: number;
}

export interface Ipv6Options {
  src: string;
  dst: string;
  next?: number;
  /** Extension headers before the upper layer (and before a fragment header). */
  extensions?: Ipv6Extension[];
}

function extensionChain(exts: Ipv6Extension[], last: number): Uint8Array {
  return concat(
    exts.map((x, i) => {
      const b = new Uint8Array(8 * (1 + (x.units ?? 0)));
      b[0] = i + 1 < exts.length ? exts[i + 1].type : last;
      b[1] = x.units ?? 0;
      b[2] = 1; // PadN option covering the rest
      b[3] = b.length - 4;
      return b;
    }),
  );
}

export function ipv6(payload: Uint8Array, o: Ipv6Options): Uint8Array {
  const exts = o.extensions ?? [];
  const chain = extensionChain(exts, o.next ?? 6);
  return ipv6Header(concat([chain, payload]), exts.length ? exts[0].type : (o.next ?? 6), o);
}

function ipv6Header(rest: Uint8Array, next: number, o: Ipv6Options): Uint8Array {
  const h = new Uint8Array(40);
  h[0] = 0x60;
  h.set(be16(rest.length), 4);
  h[6] = next;
  h[7] = 64;
  h.set(ip6(o.src), 8);
  h.set(ip6(o.dst), 24);
  return concat([h, rest]);
}

/**
 * IPv6 fragments: the unfragmentable extension headers in every fragment, then a fragment
 * header (44); `fragmentable` extension headers (e.g. destination options) are fragmented with the payload.
 */
export function ipv6Fragments(
  payload: Uint8Array,
  n: number,
  o: Ipv6Options & { id: number; fragmentable?: Ipv6Extension[] },
): Uint8Array[] {
  const exts = o.extensions ?? [];
  const inner = o.fragmentable ?? [];
  const whole = concat([extensionChain(inner, o.next ?? 6), payload]);
  const first = inner.length ? inner[0].type : (o.next ?? 6);
  const parts = pieces(whole.length, n);
  return parts.map(([s, e], i) => {
    const frag = concat([Uint8Array.of(first, 0), be16(s | (i < parts.length - 1 ? 1 : 0)), be32(o.id)]);
    const rest = concat([extensionChain(exts, 44), frag, whole.subarray(s, e)]);
    return ipv6Header(rest, exts.length ? exts[0].type : 44, o);
  });
}

export const tcpFlags = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export interface TcpOptions {
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags: number;
  /** TCP options bytes (padded to 4). */
  options?: Uint8Array;
}

export function tcp(payload: Uint8Array, o: TcpOptions): Uint8Array {
  const head = tcpHeaderLength(o);
  const h = new Uint8Array(head + payload.length);
  putTcp(h, 0, o);
  h.set(payload, head);
  return h;
}

const tcpHeaderLength = (o: TcpOptions) => 20 + (((o.options?.length ?? 0) + 3) & ~3);

function putTcp(h: Uint8Array, at: number, o: TcpOptions): void {
  putBe16(h, at, o.sport);
  putBe16(h, at + 2, o.dport);
  putBe32(h, at + 4, o.seq >>> 0);
  putBe32(h, at + 8, (o.ack ?? 0) >>> 0);
  h[at + 12] = (tcpHeaderLength(o) / 4) << 4;
  h[at + 13] = o.flags;
  putBe16(h, at + 14, 65535);
  if (o.options) h.set(o.options, at + 20);
}

/** `ethernet(ipv4(tcp(payload, t), ip))`, made as one array: the TCP fixtures' frame, without two copies of it. */
export function ethernetIpv4Tcp(payload: Uint8Array, ip: Ipv4Options, t: TcpOptions): Uint8Array {
  const ipHead = ipv4HeaderLength(ip);
  const tcpHead = tcpHeaderLength(t);
  const trailer = ip.trailer ?? new Uint8Array(0);
  const l3 = ipHead + tcpHead + payload.length;
  const out = new Uint8Array(14 + l3 + trailer.length);
  putEthernet(out, [], etherType.ipv4);
  putIpv4(out, 14, ip, l3);
  putTcp(out, 14 + ipHead, t);
  out.set(payload, 14 + ipHead + tcpHead);
  out.set(trailer, 14 + l3);
  return out;
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A UDP datagram (checksum zero: not checked). */
export function udp(payload: Uint8Array, o: { sport: number; dport: number }): Uint8Array {
  return concat([be16(o.sport), be16(o.dport), be16(8 + payload.length), be16(0), payload]);
}

/**
 * Tunnel headers, each wrapping an inner packet or frame, as the encapsulations' RFCs and
 * vendors' documents lay them out (VXLAN RFC 7348, Geneve RFC 8926, GRE RFC 2784/2890,
 * ERSPAN draft-foschiano-erspan, MPLS RFC 3032, PPPoE RFC 2516, GTP-U 3GPP TS 29.281).
 */
export const tunnel = {
  vxlan: (innerFrame: Uint8Array, vni = 42) => concat([Uint8Array.of(0x08, 0, 0, 0), be32(vni << 8), innerFrame]),
  /** `optionWords` 4-byte words of options (zero-filled). */
  geneve: (innerFrame: Uint8Array, optionWords = 2) =>
    concat([
      Uint8Array.of(optionWords & 0x3f, 0),
      be16(0x6558),
      be32(42 << 8),
      new Uint8Array(optionWords * 4),
      innerFrame,
    ]),
  /** GRE with an optional key and sequence number. */
  gre: (inner: Uint8Array, protocol: number, o: { key?: number; seq?: number } = {}) => {
    const flags = (o.key !== undefined ? 0x2000 : 0) | (o.seq !== undefined ? 0x1000 : 0);
    return concat([
      be16(flags),
      be16(protocol),
      o.key !== undefined ? be32(o.key) : new Uint8Array(0),
      o.seq !== undefined ? be32(o.seq) : new Uint8Array(0),
      inner,
    ]);
  },
  /** ERSPAN type II header (version 1, VLAN 0, session 5), GRE carries it with a sequence number. */
  erspanII: (innerFrame: Uint8Array) => concat([Uint8Array.of(0x10, 0x00, 0x00, 0x05, 0, 0, 0, 0), innerFrame]),
  /** ERSPAN type III header (version 2), without the optional platform sub-header. */
  erspanIII: (innerFrame: Uint8Array) =>
    concat([Uint8Array.of(0x20, 0x00, 0x00, 0x05), be32(0), Uint8Array.of(0, 0, 0, 0), innerFrame]),
  /** MPLS label stack (last label bottom of stack), TTL 64. */
  mpls: (inner: Uint8Array, labels: number[] = [100, 200]) =>
    concat([...labels.map((l, i) => be32((l << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64)), inner]),
  pppoe: (ipPacket: Uint8Array) =>
    concat([
      Uint8Array.of(0x11, 0),
      be16(0x1234),
      be16(ipPacket.length + 2),
      be16(ipPacket[0] >> 4 === 6 ? 0x0057 : 0x0021),
      ipPacket,
    ]),
  gtpU: (ipPacket: Uint8Array, teid = 7) =>
    concat([Uint8Array.of(0x30, 0xff), be16(ipPacket.length), be32(teid), ipPacket]),
};
