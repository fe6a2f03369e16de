/**
 * Tunnels and link types: one HTTP exchange on TCP, wrapped in each encapsulation with the
 * test helpers, must come out as the same byte streams as the bare conversation, with the
 * decapsulation counted by name; tshark, reading the same frames, finds the same TCP
 * conversation and as many TCP segments. tshark reads every case's frames in one pass (a
 * start-up costs more CPU than reading them): one pcapng, an interface per case with its link
 * type, each case's exchange on a client port of its own.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { TcpConversation } from '../helpers/tcpConversation.js';
import { ethernet, ipv4, ipv6, sll, sll2, text, tunnel, udp } from '../helpers/packetBuilder.js';
import { concat, pcap, pcapng, type PcapngBlock } from '../helpers/pcapWriter.js';
import { merged, streamEvents, timed } from '../helpers/netEvents.js';
import { tempFile } from '../helpers/captureRecords.js';
import { requireTshark, tshark } from '../helpers/tshark.js';
import { linkTypeName } from '../../src/net/linkLayers.js';

const request = 'GET /v2.1/servers HTTP/1.1\r\nHost: nova\r\n\r\n';
const response = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';

/** The IP packets of one HTTP exchange (handshake, request, response, FINs). */
function conversation(v6 = false, clientPort = 40000): Uint8Array[] {
  const c = new TcpConversation(
    v6
      ? { client: ['fd00::1', clientPort], server: ['fd00::2', 8774] }
      : { client: ['10.1.0.1', clientPort], server: ['10.1.0.2', 8774] },
  );
  const segs = [...c.handshake(), c.send(0, request), c.send(1, response), c.fin(0), c.fin(1), c.ack(0)];
  return segs.map((s) => c.packet(s));
}

const outerV4 = (payload: Uint8Array, protocol: number) =>
  ipv4(payload, { src: '192.168.0.1', dst: '192.168.0.2', protocol });
const overUdp = (payload: Uint8Array, dport: number) => ethernet(outerV4(udp(payload, { sport: 50000, dport }), 17));

interface Case {
  name: string;
  /** One frame per inner IP packet. */
  wrap: (ip: Uint8Array) => Uint8Array;
  linkType?: number;
  /** Decapsulations per packet, by name. */
  expect: Record<string, number>;
  v6?: boolean;
  /** tshark options it needs to read this (it decodes VXLAN on 4789 only). */
  tshark?: string[];
}

const cases: Case[] = [
  { name: 'VXLAN (UDP 4789)', wrap: (ip) => overUdp(tunnel.vxlan(ethernet(ip)), 4789), expect: { VXLAN: 1 } },
  {
    name: 'VXLAN (Linux port 8472)',
    wrap: (ip) => overUdp(tunnel.vxlan(ethernet(ip, { tags: [0x8100] })), 8472),
    expect: { VXLAN: 1 },
    tshark: ['-d', 'udp.port==8472,vxlan'],
  },
  { name: 'Geneve with options', wrap: (ip) => overUdp(tunnel.geneve(ethernet(ip)), 6081), expect: { Geneve: 1 } },
  { name: 'GRE with key', wrap: (ip) => ethernet(outerV4(tunnel.gre(ip, 0x0800, { key: 9 }), 47)), expect: { GRE: 1 } },
  {
    name: 'GRE bridging Ethernet',
    wrap: (ip) => ethernet(outerV4(tunnel.gre(ethernet(ip), 0x6558), 47)),
    expect: { GRE: 1 },
  },
  {
    name: 'ERSPAN type I',
    wrap: (ip) => ethernet(outerV4(tunnel.gre(ethernet(ip), 0x88be), 47)),
    expect: { 'ERSPAN I': 1 },
  },
  {
    name: 'ERSPAN type II',
    wrap: (ip) => ethernet(outerV4(tunnel.gre(tunnel.erspanII(ethernet(ip)), 0x88be, { seq: 1 }), 47)),
    expect: { 'ERSPAN II': 1 },
  },
  {
    name: 'ERSPAN type III',
    wrap: (ip) => ethernet(outerV4(tunnel.gre(tunnel.erspanIII(ethernet(ip)), 0x22eb, { seq: 1 }), 47)),
    expect: { 'ERSPAN III': 1 },
  },
  { name: 'IP in IP', wrap: (ip) => ethernet(outerV4(ip, 4)), expect: { 'IP in IP': 1 } },
  {
    name: 'IPv6 in IPv4 (6in4)',
    wrap: (ip) => ethernet(outerV4(ip, 41)),
    expect: { 'IPv6 in IP (6in4)': 1 },
    v6: true,
  },
  { name: 'MPLS', wrap: (ip) => ethernet(tunnel.mpls(ip), { type: 0x8847 }), expect: { MPLS: 1 } },
  { name: 'PPPoE', wrap: (ip) => ethernet(tunnel.pppoe(ip), { type: 0x8864 }), expect: { PPPoE: 1 } },
  { name: 'GTP-U', wrap: (ip) => overUdp(tunnel.gtpU(ip), 2152), expect: { 'GTP-U': 1 } },
  {
    name: 'VXLAN inside GRE inside MPLS',
    wrap: (ip) =>
      ethernet(
        tunnel.mpls(
          outerV4(tunnel.gre(outerV4(udp(tunnel.vxlan(ethernet(ip)), { sport: 1, dport: 4789 }), 17), 0x0800), 47),
        ),
        { type: 0x8847 },
      ),
    expect: { MPLS: 1, GRE: 1, VXLAN: 1 },
  },
  {
    name: 'Linux cooked capture of MPLS',
    wrap: (ip) => sll(tunnel.mpls(ip), 0x8847),
    linkType: 113,
    expect: { MPLS: 1 },
  },
  // A gretap device captured with `-i any`: SLL2's protocol says an Ethernet frame follows.
  {
    name: 'Linux cooked v2 capture of a gretap device (protocol 0x6558)',
    wrap: (ip) => sll2(ethernet(ip), 3, 0x6558),
    linkType: 276,
    expect: {},
  },
  // Link types.
  {
    name: 'PPP (link type 9)',
    wrap: (ip) => concat([Uint8Array.of(0xff, 0x03, 0x00, 0x21), ip]),
    linkType: 9,
    expect: {},
  },
  {
    name: 'Cisco HDLC (link type 104)',
    wrap: (ip) => concat([Uint8Array.of(0x0f, 0x00, 0x08, 0x00), ip]),
    linkType: 104,
    expect: {},
  },
  // Some PPP captures (Cisco routers) carry Cisco HDLC frames: address 0x0f or 0x8f.
  {
    name: 'Cisco HDLC framing on a PPP link (link type 9)',
    wrap: (ip) => concat([Uint8Array.of(0x0f, 0x00, 0x08, 0x00), ip]),
    linkType: 9,
    expect: {},
  },
  // Juniper's pseudo-header: "MGC", flags (0x80: TLV extensions follow, their length first), then Ethernet.
  {
    name: 'Juniper Ethernet with extensions (link type 178)',
    wrap: (ip) =>
      concat([
        text('MGC'),
        Uint8Array.of(0x80, 0, 16, 3, 1, 1, 6, 1, 14, 1, 2, 0x8c, 0, 4, 4, 0x4c, 1, 0, 0),
        ethernet(ip),
      ]),
    linkType: 178,
    expect: {},
  },
  {
    name: 'Juniper Ethernet, incoming, no extensions (link type 178)',
    wrap: (ip) => concat([text('MGC'), Uint8Array.of(0x01), ethernet(ip)]),
    linkType: 178,
    expect: {},
  },
  {
    name: 'PPI over Ethernet (link type 192)',
    wrap: (ip) => concat([Uint8Array.of(0, 0, 8, 0, 1, 0, 0, 0), ethernet(ip)]),
    linkType: 192,
    expect: {},
  },
  { name: 'NFLOG (link type 239)', wrap: (ip) => nflog(ip), linkType: 239, expect: {} },
  {
    name: 'MPLS over PPP',
    wrap: (ip) => concat([Uint8Array.of(0xff, 0x03, 0x02, 0x81), tunnel.mpls(ip)]),
    linkType: 9,
    expect: { MPLS: 1 },
  },
  {
    name: 'IP over InfiniBand as Linux captures it (link type 242)',
    // Two 20-byte hardware addresses, then the EtherType and two reserved bytes.
    wrap: (ip) =>
      concat([
        new Uint8Array(20),
        Uint8Array.of(0x80, 0, 0x05, 0x50),
        new Uint8Array(16),
        Uint8Array.of(0x08, 0, 0, 0),
        ip,
      ]),
    linkType: 242,
    expect: {},
  },
];

/** NFLOG: family AF_INET, version 0, resource id, a prefix TLV, then the packet TLV (type 9), little-endian TLV headers. */
function nflog(ip: Uint8Array): Uint8Array {
  const tlv = (type: number, value: Uint8Array) => {
    const len = 4 + value.length;
    return concat([Uint8Array.of(len & 0xff, len >> 8, type, 0), value, new Uint8Array(((len + 3) & ~3) - len)]);
  };
  return concat([Uint8Array.of(2, 0, 0, 1), tlv(10, text('vim\0')), tlv(9, ip)]);
}

/** Case i's client port: tshark tells the cases' conversations apart by it. */
const clientPort = (i: number) => 40000 + i;

/**
 * tshark's reading of every case at once: per case (its interface), the `tcp.stream` of each
 * frame it read TCP in, and the `-z conv,tcp` conversations on its client port.
 */
function tsharkTcpViews(): { streams: string[]; conversations: number }[] {
  const blocks: PcapngBlock[] = [{ kind: 'section', littleEndian: true }];
  for (const k of cases) blocks.push({ kind: 'interface', linkType: k.linkType ?? 1 });
  let ts = 1_700_000_000_000_000n;
  for (const [i, k] of cases.entries())
    for (const ip of conversation(k.v6, clientPort(i)))
      blocks.push({ kind: 'enhanced', iface: i, ts: (ts += 1000n), data: k.wrap(ip) });
  const path = tempFile('encapsulations.pcapng', pcapng(blocks));
  const options = cases.flatMap((k) => k.tshark ?? []);
  const out = execFileSync(
    tshark,
    ['-n', '-r', path, ...options, '-T', 'fields', '-e', 'frame.interface_id', '-e', 'tcp.stream', '-z', 'conv,tcp'],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  ).split('\n');
  return cases.map((_, i) => ({
    streams: out.flatMap((l) => (/^(\d+)\t(\d+)$/.exec(l)?.[1] === String(i) ? [l.split('\t')[1]] : [])),
    conversations: out.filter((l) => l.includes('<->') && l.includes(`:${clientPort(i)} `)).length,
  }));
}

describe('tunnels and link types', () => {
  const bare = async (v6: boolean, port: number) =>
    merged((await streamEvents(pcap(timed(conversation(v6, port).map((ip) => ethernet(ip)))))).events);
  let theirs: ReturnType<typeof tsharkTcpViews>;
  beforeAll(() => {
    requireTshark();
    theirs = tsharkTcpViews();
  });

  for (const [i, k] of cases.entries()) {
    it(`reads the TCP inside ${k.name}, as tshark does`, async () => {
      const packets = conversation(k.v6, clientPort(i));
      const file = pcap(timed(packets.map(k.wrap)), { linkType: k.linkType ?? 1 });
      const { events, result } = await streamEvents(file);
      expect(merged(events)).toEqual(await bare(k.v6 ?? false, clientPort(i)));
      expect(result.net).toMatchObject({
        connections: 1,
        tcpSegments: packets.length,
        nonTcp: 0,
        nonIp: 0,
        undecodable: 0,
        unsupportedLink: 0,
      });
      const counts = Object.fromEntries(Object.entries(k.expect).map(([name, n]) => [name, n * packets.length]));
      expect(Object.fromEntries(result.encapsulations)).toEqual(counts);
      expect(result.net.decapsulated).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
      expect(theirs[i].conversations).toBe(1);
      expect(theirs[i].streams).toHaveLength(packets.length);
      expect(new Set(theirs[i].streams).size).toBe(1);
    });
  }

  it('counts a nesting deeper than the bound as undecodable instead of following it', async () => {
    let frame = conversation()[3];
    for (let i = 0; i < 12; i++) frame = outerV4(frame, 4);
    const { result } = await streamEvents(
      pcapng([
        { kind: 'section', littleEndian: true },
        { kind: 'interface', linkType: 228 },
        { kind: 'enhanced', iface: 0, ts: 0n, data: frame },
      ]),
    );
    expect(result.net).toMatchObject({ undecodable: 1, tcpSegments: 0, decapsulated: 8 });
  });

  it('names link types it does not decode', () => {
    expect(linkTypeName(127)).toBe('IEEE 802.11 radiotap');
    expect(linkTypeName(150)).toBe('user-defined link type 150');
    expect(linkTypeName(9999)).toBe('link type 9999');
  });

  it('reads an IPv6 outer header around a VXLAN tunnel', async () => {
    const packets = conversation();
    const wrap = (ip: Uint8Array) =>
      ethernet(
        ipv6(udp(tunnel.vxlan(ethernet(ip)), { sport: 1, dport: 4789 }), { src: 'fd00::a', dst: 'fd00::b', next: 17 }),
      );
    const { result } = await streamEvents(pcap(timed(packets.map(wrap))));
    expect(result.net).toMatchObject({ connections: 1, tcpSegments: packets.length, decapsulated: packets.length });
  });
});
