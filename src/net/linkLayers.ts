/**
 * Link layers: where the network-layer packet starts in a frame, and what it is.
 * One entry per LINKTYPE_* value (https://www.tcpdump.org/linktypes.html).
 */

export const etherTypes = { ipv4: 0x0800, ipv6: 0x86dd, vlan: 0x8100, qinq: 0x88a8, vlanOld: 0x9100 } as const;

/** Result of decoding a link header: offset of the L3 packet (in the frame's buffer) and its EtherType (0 = unknown). */
export interface LinkDecoded {
  offset: number;
  etherType: number;
  /** For SLL2: the capturing interface index; -1 otherwise. */
  ifIndex: number;
}

/** Decodes the frame at b[s, e). */
type LinkDecoder = (b: Uint8Array, s: number, e: number, out: LinkDecoded) => boolean;

export interface LinkLayer {
  name: string;
  decode: LinkDecoder;
}

const ipVersionType = (b: Uint8Array, o: number): number => {
  const v = b[o] >> 4;
  return v === 4 ? etherTypes.ipv4 : v === 6 ? etherTypes.ipv6 : 0;
};

/** Skip 802.1Q / QinQ tags starting at the EtherType field at `o` (frame ends at `e`). */
function afterVlanTags(b: Uint8Array, o: number, e: number, out: LinkDecoded): boolean {
  let t = (b[o] << 8) | b[o + 1];
  o += 2;
  while ((t === etherTypes.vlan || t === etherTypes.qinq || t === etherTypes.vlanOld) && o + 4 <= e) {
    t = (b[o + 2] << 8) | b[o + 3];
    o += 4;
  }
  out.offset = o;
  out.etherType = t;
  return o <= e;
}

// BSD loopback AF values for IPv4 and the IPv6 family numbers of the various BSDs and Linux.
const nullIpv4 = new Set([2]);
const nullIpv6 = new Set([10, 24, 28, 30]);

export const linkDecoders: ReadonlyMap<number, LinkLayer> = new Map([
  [1, { name: 'Ethernet', decode: (b, s, e, out) => e - s >= 14 && afterVlanTags(b, s + 12, e, out) }],
  [113, {
    name: 'Linux cooked (SLL)',
    decode: (b, s, e, out) => e - s >= 16 && afterVlanTags(b, s + 14, e, out),
  }],
  [276, {
    name: 'Linux cooked v2 (SLL2)',
    decode: (b, s, e, out) => {
      if (e - s < 20) return false;
      out.ifIndex = ((b[s + 4] << 24) | (b[s + 5] << 16) | (b[s + 6] << 8) | b[s + 7]) >>> 0;
      out.offset = s + 20;
      out.etherType = (b[s] << 8) | b[s + 1];
      return true;
    },
  }],
  [0, {
    name: 'BSD loopback (NULL)',
    decode: (b, s, e, out) => {
      if (e - s < 5) return false;
      // The AF value is in the capturing host's byte order: accept either.
      const le = b[s] | (b[s + 1] << 8);
      const be = (b[s + 2] << 8) | b[s + 3];
      const af = le !== 0 ? le : be;
      out.offset = s + 4;
      out.etherType = nullIpv4.has(af) ? etherTypes.ipv4 : nullIpv6.has(af) ? etherTypes.ipv6 : ipVersionType(b, s + 4);
      return true;
    },
  }],
  [108, { name: 'OpenBSD loopback', decode: (b, s, e, out) => e - s >= 5 && ((out.offset = s + 4), (out.etherType = ipVersionType(b, s + 4)), true) }],
  [12, { name: 'raw IP', decode: (b, s, e, out) => e - s >= 1 && ((out.offset = s), (out.etherType = ipVersionType(b, s)), true) }],
  [101, { name: 'raw IP', decode: (b, s, e, out) => e - s >= 1 && ((out.offset = s), (out.etherType = ipVersionType(b, s)), true) }],
  [14, { name: 'raw IP (OpenBSD)', decode: (b, s, e, out) => e - s >= 1 && ((out.offset = s), (out.etherType = ipVersionType(b, s)), true) }],
  [228, { name: 'raw IPv4', decode: (_b, s, _e, out) => ((out.offset = s), (out.etherType = etherTypes.ipv4), true) }],
  [229, { name: 'raw IPv6', decode: (_b, s, _e, out) => ((out.offset = s), (out.etherType = etherTypes.ipv6), true) }],
]);

export function linkTypeName(linkType: number): string {
  return linkDecoders.get(linkType)?.name ?? `link type ${linkType}`;
}
