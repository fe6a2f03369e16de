/**
 * Link layers: where the network-layer packet starts in a frame, and what it is.
 * One entry per LINKTYPE_* value (https://www.tcpdump.org/linktypes.html).
 */

export const etherTypes = { ipv4: 0x0800, ipv6: 0x86dd, vlan: 0x8100, qinq: 0x88a8, vlanOld: 0x9100 } as const;

/**
 * Result of decoding a link header: offset of the L3 packet (in the frame's buffer) and its EtherType (0 = unknown).
 */
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

/** PPP protocol numbers → EtherTypes (PPP links, PPPoE sessions). */
export const pppProtocols: ReadonlyMap<number, number> = new Map([
  [0x0021, etherTypes.ipv4],
  [0x0057, etherTypes.ipv6],
  [0x0281, 0x8847],
  [0x0283, 0x8848], // IPv4, IPv6, MPLS unicast and multicast
]);

/** Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, then an EtherType. */
function ciscoHdlc(b: Uint8Array, s: number, e: number, out: LinkDecoded): boolean {
  if (e - s < 5) return false;
  out.offset = s + 4;
  out.etherType = (b[s + 2] << 8) | b[s + 3];
  return true;
}

/**
 * PPP in HDLC-like framing: address 0xff and control 0x03 (omitted when compressed), then
 * the protocol. Routers' PPP captures may hold Cisco HDLC frames instead (as tshark reads them).
 */
function ppp(b: Uint8Array, s: number, e: number, out: LinkDecoded): boolean {
  if (b[s] === 0x0f || b[s] === 0x8f) return ciscoHdlc(b, s, e, out);
  const o = b[s] === 0xff && b[s + 1] === 0x03 ? s + 2 : s;
  if (e - o < 3) return false;
  out.offset = o + 2;
  out.etherType = pppProtocols.get((b[o] << 8) | b[o + 1]) ?? 0;
  return true;
}

/** NFLOG (Linux nflog): family, version, resource id, then TLVs in host byte order; TLV 9 is the packet. */
function nflog(b: Uint8Array, s: number, e: number, out: LinkDecoded): boolean {
  if (e - s < 4) return false;
  const family = b[s];
  for (const le of [true, false]) {
    for (let o = s + 4, i = 0; o + 4 <= e && i < 64; i++) {
      const len = le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
      const type = (le ? b[o + 2] | (b[o + 3] << 8) : (b[o + 2] << 8) | b[o + 3]) & 0x7fff;
      if (len < 4 || o + len > e) break;
      if (type === 9) {
        out.offset = o + 4;
        out.etherType = family === 2 ? etherTypes.ipv4 : family === 10 ? etherTypes.ipv6 : ipVersionType(b, o + 4);
        return true;
      }
      o += (len + 3) & ~3;
    }
  }
  return false;
}

const juniperFlags = { noL2: 0x02, extensions: 0x80 } as const;

/**
 * Juniper Ethernet: a pseudo-header, "MGC" and a flags byte; with the extensions flag a
 * 2-byte length and that many bytes of TLVs follow. Then an Ethernet frame, or, with the
 * no-L2 flag, a 4-byte protocol and the IP packet.
 */
function juniperEthernet(b: Uint8Array, s: number, e: number, out: LinkDecoded): boolean {
  if (e - s < 4 || b[s] !== 0x4d || b[s + 1] !== 0x47 || b[s + 2] !== 0x43) return false;
  const flags = b[s + 3];
  let o = s + 4;
  if (flags & juniperFlags.extensions) {
    if (e - o < 2) return false;
    o += 2 + ((b[o] << 8) | b[o + 1]);
  }
  if (flags & juniperFlags.noL2) {
    if (e - o < 5) return false;
    out.offset = o + 4;
    out.etherType = ipVersionType(b, o + 4);
    return true;
  }
  return e - o >= 14 && afterVlanTags(b, o + 12, e, out);
}

/**
 * IP over InfiniBand (RFC 4391): an EtherType and two reserved bytes, which Linux captures
 * precede with one or two 20-byte hardware addresses (queue pair and GID).
 */
function ipoib(b: Uint8Array, s: number, e: number, out: LinkDecoded): boolean {
  const typeAt = (o: number) => (b[o] << 8) | b[o + 1];
  const known = (t: number) => t === etherTypes.ipv4 || t === etherTypes.ipv6 || t === 0x0806;
  let o = s;
  while (!known(typeAt(o)) && o + 20 + 5 <= e && o < s + 40) o += 20;
  if (!known(typeAt(o))) o = s;
  if (e - o < 5) return false;
  out.offset = o + 4;
  out.etherType = typeAt(o);
  return true;
}

// BSD loopback AF values for IPv4 and the IPv6 family numbers of the various BSDs and Linux.
const nullIpv4 = new Set([2]);
const nullIpv6 = new Set([10, 24, 28, 30]);

export const linkDecoders: ReadonlyMap<number, LinkLayer> = new Map([
  [1, { name: 'Ethernet', decode: (b, s, e, out) => e - s >= 14 && afterVlanTags(b, s + 12, e, out) }],
  [
    113,
    {
      name: 'Linux cooked (SLL)',
      decode: (b, s, e, out) => e - s >= 16 && afterVlanTags(b, s + 14, e, out),
    },
  ],
  [
    276,
    {
      name: 'Linux cooked v2 (SLL2)',
      decode: (b, s, e, out) => {
        if (e - s < 20) return false;
        out.ifIndex = ((b[s + 4] << 24) | (b[s + 5] << 16) | (b[s + 6] << 8) | b[s + 7]) >>> 0;
        out.offset = s + 20;
        out.etherType = (b[s] << 8) | b[s + 1];
        return true;
      },
    },
  ],
  [
    0,
    {
      name: 'BSD loopback (NULL)',
      decode: (b, s, e, out) => {
        if (e - s < 5) return false;
        // The AF value is in the capturing host's byte order: accept either.
        const le = b[s] | (b[s + 1] << 8);
        const be = (b[s + 2] << 8) | b[s + 3];
        const af = le !== 0 ? le : be;
        out.offset = s + 4;
        out.etherType = nullIpv4.has(af)
          ? etherTypes.ipv4
          : nullIpv6.has(af)
            ? etherTypes.ipv6
            : ipVersionType(b, s + 4);
        return true;
      },
    },
  ],
  [
    108,
    {
      name: 'OpenBSD loopback',
      decode: (b, s, e, out) => e - s >= 5 && ((out.offset = s + 4), (out.etherType = ipVersionType(b, s + 4)), true),
    },
  ],
  [
    12,
    {
      name: 'raw IP',
      decode: (b, s, e, out) => e - s >= 1 && ((out.offset = s), (out.etherType = ipVersionType(b, s)), true),
    },
  ],
  [
    101,
    {
      name: 'raw IP',
      decode: (b, s, e, out) => e - s >= 1 && ((out.offset = s), (out.etherType = ipVersionType(b, s)), true),
    },
  ],
  [
    14,
    {
      name: 'raw IP (OpenBSD)',
      decode: (b, s, e, out) => e - s >= 1 && ((out.offset = s), (out.etherType = ipVersionType(b, s)), true),
    },
  ],
  [228, { name: 'raw IPv4', decode: (_b, s, _e, out) => ((out.offset = s), (out.etherType = etherTypes.ipv4), true) }],
  [229, { name: 'raw IPv6', decode: (_b, s, _e, out) => ((out.offset = s), (out.etherType = etherTypes.ipv6), true) }],
  [9, { name: 'PPP', decode: ppp }],
  [50, { name: 'PPP in HDLC framing', decode: ppp }],
  [104, { name: 'Cisco HDLC', decode: ciscoHdlc }],
  [178, { name: 'Juniper Ethernet', decode: juniperEthernet }],
  [
    192,
    {
      name: 'PPI',
      // Version, flags, header length (LE), the inner link type (LE), then the frame of that link type.
      decode: (b, s, e, out) => {
        if (e - s < 8) return false;
        const len = b[s + 2] | (b[s + 3] << 8);
        const inner = (b[s + 4] | (b[s + 5] << 8) | (b[s + 6] << 16) | (b[s + 7] << 24)) >>> 0;
        const ld = inner === 192 ? undefined : linkDecoders.get(inner);
        return len >= 8 && s + len <= e && ld !== undefined && ld.decode(b, s + len, e, out);
      },
    },
  ],
  [239, { name: 'NFLOG', decode: nflog }],
  [242, { name: 'IP over InfiniBand', decode: ipoib }],
]);

/** Names of link types we do not decode, for `info` (https://www.tcpdump.org/linktypes.html). */
const unsupportedLinkTypeNames: ReadonlyMap<number, string> = new Map([
  [3, 'AX.25'],
  [6, 'IEEE 802.5 Token Ring'],
  [7, 'ARCNET'],
  [8, 'SLIP'],
  [10, 'FDDI'],
  [105, 'IEEE 802.11'],
  [107, 'Frame Relay'],
  [119, 'Prism 802.11'],
  [122, 'IP over Fibre Channel'],
  [127, 'IEEE 802.11 radiotap'],
  [138, 'Apple IP over IEEE 1394'],
  [139, 'SS7 MTP2 with pseudo-header'],
  [140, 'SS7 MTP2'],
  [141, 'SS7 MTP3'],
  [142, 'SS7 SCCP'],
  [143, 'DOCSIS'],
  [163, 'IEEE 802.11 AVS'],
  [177, 'LAPD'],
  [187, 'Bluetooth HCI H4'],
  [189, 'Linux USB'],
  [195, 'IEEE 802.15.4'],
  [201, 'Bluetooth HCI H4 with pseudo-header'],
  [215, 'IEEE 802.15.4 non-ASK PHY'],
  [220, 'Linux USB (memory-mapped)'],
  [224, 'Fibre Channel'],
  [227, 'CAN (SocketCAN)'],
  [230, 'IEEE 802.15.4 without FCS'],
  [235, 'DVB-CI'],
  [240, 'Netanalyzer'],
  [249, 'USBPcap'],
  [251, 'Bluetooth LE link layer'],
  [253, 'Linux netlink'],
  [254, 'Bluetooth Linux monitor'],
  [256, 'Bluetooth LE with pseudo-header'],
  [263, 'Wattstopper DLM'],
  [264, 'ISO 14443'],
  [266, 'Linux vsock'],
  [272, 'Nordic BLE'],
  [274, 'Ethernet with MACsec'],
  [279, 'EBHSCR'],
  [281, 'Bluetooth LE link-layer PHY'],
]);

export function linkTypeName(linkType: number): string {
  const name = linkDecoders.get(linkType)?.name ?? unsupportedLinkTypeNames.get(linkType);
  if (name) return name;
  // 147–162 are reserved for private use (DLT_USER0–15).
  return linkType >= 147 && linkType <= 162 ? `user-defined link type ${linkType}` : `link type ${linkType}`;
}
