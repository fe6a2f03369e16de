/**
 * Tunnels and encapsulations, as tables like the link-layer table: where the inner packet
 * starts and what it is. Overlays (VXLAN, Geneve), GRE and ERSPAN (switch mirrors), IP in
 * IP, 6in4, MPLS, PPPoE and GTP-U put the control plane's TCP inside other packets; a
 * capture on the host NIC sees it that way. Each decoder reads only bounded headers and
 * says no (false) rather than guessing on bytes it does not recognise.
 */
import { etherTypes, pppProtocols } from './linkLayers.js';

/** EtherType of an Ethernet frame carried inside (Transparent Ethernet Bridging). */
export const etherTypeEthernet = 0x6558;

/** The inner packet: at `offset`, of `etherType` (IPv4, IPv6, another encapsulation, or etherTypeEthernet). */
export interface InnerPacket {
  offset: number;
  etherType: number;
  /** A more specific name than the table's, when the header tells (ERSPAN inside GRE). */
  label: string | null;
}

/** Decodes the encapsulation header at b[s, e) into `out`; false when it is not one we read. */
type InnerDecoder = (b: Uint8Array, s: number, e: number, out: InnerPacket) => boolean;

export interface Encapsulation {
  name: string;
  decode: InnerDecoder;
}

const be16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const ipVersionType = (b: Uint8Array, o: number): number => {
  const v = b[o] >> 4;
  return v === 4 ? etherTypes.ipv4 : v === 6 ? etherTypes.ipv6 : 0;
};
const set = (out: InnerPacket, offset: number, etherType: number) => (
  (out.offset = offset),
  (out.etherType = etherType),
  true
);

/** GRE (RFC 2784/2890) protocol types whose payload we read, ERSPAN's among them. */
const greErspanII = 0x88be;
const greErspanIII = 0x22eb;

function gre(b: Uint8Array, s: number, e: number, out: InnerPacket): boolean {
  if (e - s < 4) return false;
  const flags = be16(b, s);
  // Version 0 only (version 1 is PPTP's enhanced GRE, carrying PPP).
  if ((flags & 0x7) !== 0) return false;
  let o = s + 4 + (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0);
  const seq = (flags & 0x1000) !== 0;
  if (seq) o += 4;
  const protocol = be16(b, s + 2);
  if (protocol === greErspanII) {
    // ERSPAN type II has an 8-byte header and GRE's sequence bit set; type I has neither.
    if (seq) o += 8;
    out.label = seq ? 'ERSPAN II' : 'ERSPAN I';
    return o + 14 <= e && set(out, o, etherTypeEthernet);
  }
  if (protocol === greErspanIII) {
    // ERSPAN type III: 12-byte header, plus an 8-byte platform sub-header when its O bit is set.
    if (o + 12 > e) return false;
    o += 12 + (b[o + 11] & 0x01 ? 8 : 0);
    out.label = 'ERSPAN III';
    return o + 14 <= e && set(out, o, etherTypeEthernet);
  }
  return o < e && set(out, o, protocol);
}

function vxlan(b: Uint8Array, s: number, e: number, out: InnerPacket): boolean {
  // Flags with the I bit (VNI valid); 8-byte header; an Ethernet frame follows.
  return e - s >= 8 + 14 && (b[s] & 0x08) !== 0 && set(out, s + 8, etherTypeEthernet);
}

function geneve(b: Uint8Array, s: number, e: number, out: InnerPacket): boolean {
  if (e - s < 8 || b[s] >> 6 !== 0) return false;
  const o = s + 8 + (b[s] & 0x3f) * 4;
  return o < e && set(out, o, be16(b, s + 2));
}

function gtpU(b: Uint8Array, s: number, e: number, out: InnerPacket): boolean {
  // Version 1, protocol type GTP, message type 255 (G-PDU): a user-plane packet follows.
  if (e - s < 8 || b[s] >> 5 !== 1 || (b[s] & 0x10) === 0 || b[s + 1] !== 0xff) return false;
  let o = s + 8;
  if (b[s] & 0x07) {
    // Sequence number, N-PDU number and next-extension type, then the extension chain.
    if (o + 4 > e) return false;
    let next = b[o + 3];
    o += 4;
    for (let i = 0; next !== 0 && i < 16; i++) {
      if (o >= e || b[o] === 0) return false;
      const len = b[o] * 4;
      if (o + len > e) return false;
      next = b[o + len - 1];
      o += len;
    }
    if (next !== 0) return false;
  }
  return o < e && set(out, o, ipVersionType(b, o));
}

function mpls(b: Uint8Array, s: number, e: number, out: InnerPacket): boolean {
  let o = s;
  // Label stack entries until the bottom-of-stack bit (bounded).
  for (let i = 0; i < 16; i++) {
    if (o + 4 > e) return false;
    const bottom = (b[o + 2] & 0x01) !== 0;
    o += 4;
    if (!bottom) continue;
    if (o >= e) return false;
    const v = ipVersionType(b, o);
    if (v) return set(out, o, v);
    // A pseudowire control word (first nibble 0), then an Ethernet frame.
    return b[o] >> 4 === 0 && o + 4 + 14 <= e && set(out, o + 4, etherTypeEthernet);
  }
  return false;
}

function pppoeSession(b: Uint8Array, s: number, e: number, out: InnerPacket): boolean {
  // Version/type 0x11, code 0 (session data), then the PPP protocol.
  if (e - s < 8 || b[s] !== 0x11 || b[s + 1] !== 0) return false;
  const t = pppProtocols.get(be16(b, s + 6));
  return t !== undefined && set(out, s + 8, t);
}

const ipInIp =
  (etherType: number): InnerDecoder =>
  (b, s, e, out) =>
    s < e && ipVersionType(b, s) === etherType && set(out, s, etherType);

/** An Ethernet frame inside a tunnel (VXLAN, Geneve, GRE's transparent bridging, ERSPAN), with its VLAN tags. */
export const innerEthernet: Encapsulation = {
  name: 'Ethernet',
  decode: (b, s, e, out) => {
    if (e - s < 14) return false;
    let o = s + 12;
    let t = be16(b, o);
    o += 2;
    while ((t === etherTypes.vlan || t === etherTypes.qinq || t === etherTypes.vlanOld) && o + 4 <= e) {
      t = be16(b, o + 2);
      o += 4;
    }
    return set(out, o, t);
  },
};

/** By EtherType (of a link layer, or of GRE's protocol field). */
export const etherEncapsulations: ReadonlyMap<number, Encapsulation> = new Map([
  [0x8847, { name: 'MPLS', decode: mpls }],
  [0x8848, { name: 'MPLS', decode: mpls }],
  [0x8864, { name: 'PPPoE', decode: pppoeSession }],
]);

/** By IP protocol number. */
export const ipEncapsulations: ReadonlyMap<number, Encapsulation> = new Map([
  [4, { name: 'IP in IP', decode: ipInIp(etherTypes.ipv4) }],
  [41, { name: 'IPv6 in IP (6in4)', decode: ipInIp(etherTypes.ipv6) }],
  [47, { name: 'GRE', decode: gre }],
  [137, { name: 'MPLS in IP', decode: mpls }],
]);

/** By UDP destination port (the tunnel's well-known port). */
export const udpEncapsulations: ReadonlyMap<number, Encapsulation> = new Map([
  [4789, { name: 'VXLAN', decode: vxlan }],
  [8472, { name: 'VXLAN', decode: vxlan }],
  [6081, { name: 'Geneve', decode: geneve }],
  [2152, { name: 'GTP-U', decode: gtpU }],
]);

/** Nested encapsulations followed at most this deep (hostile captures nest without end). */
export const maxEncapsulationDepth = 8;
