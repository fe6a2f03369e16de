/**
 * Link layers: where the network-layer packet starts in a frame, and what it is.
 * One entry per LINKTYPE_* value (https://www.tcpdump.org/linktypes.html).
 */

export const etherTypes = { ipv4: 0x0800, ipv6: 0x86dd, vlan: 0x8100, qinq: 0x88a8, vlanOld: 0x9100 } as const;

/** Result of decoding a link header: offset of the L3 packet and its EtherType (0 = unknown). */
export interface LinkDecoded {
  offset: number;
  etherType: number;
  /** For SLL2: the capturing interface index; -1 otherwise. */
  ifIndex: number;
}

type LinkDecoder = (b: Uint8Array, out: LinkDecoded) => boolean;

const ipVersionType = (b: Uint8Array, o: number): number => {
  const v = b[o] >> 4;
  return v === 4 ? etherTypes.ipv4 : v === 6 ? etherTypes.ipv6 : 0;
};

/** Skip 802.1Q / QinQ tags starting at the EtherType field at `o`. */
function afterVlanTags(b: Uint8Array, o: number, out: LinkDecoded): boolean {
  let t = (b[o] << 8) | b[o + 1];
  o += 2;
  while ((t === etherTypes.vlan || t === etherTypes.qinq || t === etherTypes.vlanOld) && o + 4 <= b.length) {
    t = (b[o + 2] << 8) | b[o + 3];
    o += 4;
  }
  out.offset = o;
  out.etherType = t;
  return o <= b.length;
}

// BSD loopback AF values for IPv4 and the IPv6 family numbers of the various BSDs and Linux.
const nullIpv4 = new Set([2]);
const nullIpv6 = new Set([10, 24, 28, 30]);

export const linkDecoders: ReadonlyMap<number, { name: string; decode: LinkDecoder }> = new Map([
  [1, { name: 'Ethernet', decode: (b, out) => b.length >= 14 && afterVlanTags(b, 12, out) }],
  [113, {
    name: 'Linux cooked (SLL)',
    decode: (b, out) => b.length >= 16 && afterVlanTags(b, 14, out),
  }],
  [276, {
    name: 'Linux cooked v2 (SLL2)',
    decode: (b, out) => {
      if (b.length < 20) return false;
      out.ifIndex = ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
      out.offset = 20;
      out.etherType = (b[0] << 8) | b[1];
      return true;
    },
  }],
  [0, {
    name: 'BSD loopback (NULL)',
    decode: (b, out) => {
      if (b.length < 5) return false;
      // The AF value is in the capturing host's byte order: accept either.
      const le = b[0] | (b[1] << 8);
      const be = (b[2] << 8) | b[3];
      const af = le !== 0 ? le : be;
      out.offset = 4;
      out.etherType = nullIpv4.has(af) ? etherTypes.ipv4 : nullIpv6.has(af) ? etherTypes.ipv6 : ipVersionType(b, 4);
      return true;
    },
  }],
  [108, { name: 'OpenBSD loopback', decode: (b, out) => b.length >= 5 && ((out.offset = 4), (out.etherType = ipVersionType(b, 4)), true) }],
  [12, { name: 'raw IP', decode: (b, out) => b.length >= 1 && ((out.offset = 0), (out.etherType = ipVersionType(b, 0)), true) }],
  [101, { name: 'raw IP', decode: (b, out) => b.length >= 1 && ((out.offset = 0), (out.etherType = ipVersionType(b, 0)), true) }],
  [14, { name: 'raw IP (OpenBSD)', decode: (b, out) => b.length >= 1 && ((out.offset = 0), (out.etherType = ipVersionType(b, 0)), true) }],
  [228, { name: 'raw IPv4', decode: (b, out) => ((out.offset = 0), (out.etherType = etherTypes.ipv4), true) }],
  [229, { name: 'raw IPv6', decode: (b, out) => ((out.offset = 0), (out.etherType = etherTypes.ipv6), true) }],
]);

export function linkTypeName(linkType: number): string {
  return linkDecoders.get(linkType)?.name ?? `link type ${linkType}`;
}
