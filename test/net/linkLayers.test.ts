import { describe, expect, it } from 'vitest';
import { ethernet, etherType, linkType, nullLoopback, sll, sll2 } from '../helpers/packetBuilder.js';
import { pcap, pcapng, type PcapngBlock } from '../helpers/pcapWriter.js';
import { TcpConversation } from '../helpers/tcpConversation.js';
import { ms, pcapOf, streamEvents, timed, type NetEvent } from '../helpers/netEvents.js';

/** One short exchange; every link layer must yield exactly these events. */
function exchange(client: [string, number] = ['10.0.0.1', 40000], server: [string, number] = ['10.0.0.2', 80]) {
  const c = new TcpConversation({ client, server });
  const segments = [...c.handshake(), c.send(0, 'hello'), c.send(1, 'world'), c.fin(0), c.fin(1), c.ack(0)];
  return segments.map((s) => c.packet(s));
}

const expected: NetEvent[] = [
  [0, 'data', 0, 'hello', 3 * ms],
  [0, 'data', 1, 'world', 4 * ms],
  [0, 'end', 0, 'fin', 5 * ms],
  [0, 'end', 1, 'fin', 6 * ms],
];

const v4 = exchange();
const v6 = exchange(['fd00::1', 40000], ['fd00::2', 80]);

const cases: [name: string, link: number, frames: Uint8Array[]][] = [
  ['Ethernet', linkType.ethernet, v4.map((p) => ethernet(p))],
  ['Ethernet, IPv6', linkType.ethernet, v6.map((p) => ethernet(p))],
  ['802.1Q VLAN', linkType.ethernet, v4.map((p) => ethernet(p, { tags: [etherType.vlan] }))],
  [
    'QinQ (802.1ad + 802.1Q)',
    linkType.ethernet,
    v4.map((p) => ethernet(p, { tags: [etherType.qinq, etherType.vlan] })),
  ],
  ['Linux SLL', linkType.sll, v4.map((p) => sll(p))],
  ['Linux SLL, IPv6', linkType.sll, v6.map((p) => sll(p))],
  ['Linux SLL2 (interface index 3)', linkType.sll2, v4.map((p) => sll2(p, 3))],
  ['Linux SLL2, IPv6', linkType.sll2, v6.map((p) => sll2(p, 1))],
  ['BSD loopback, little-endian AF', linkType.null, v4.map((p) => nullLoopback(p))],
  ['BSD loopback, big-endian AF', linkType.null, v4.map((p) => nullLoopback(p, { littleEndian: false }))],
  ...[24, 28, 30].map((family): [string, number, Uint8Array[]] => [
    `BSD loopback, IPv6 AF ${family}`,
    linkType.null,
    v6.map((p) => nullLoopback(p, { family })),
  ]),
  ['raw IP (101), IPv4', linkType.rawIp, v4],
  ['raw IP (101), IPv6', linkType.rawIp, v6],
  ['raw IP (12)', 12, v4],
  ['raw IPv4 (228)', linkType.ipv4, v4],
  ['raw IPv6 (229)', linkType.ipv6, v6],
];

describe('link layers', () => {
  for (const [name, link, frames] of cases) {
    it(`reassembles TCP over ${name}`, async () => {
      const { events, connections, result } = await streamEvents(pcapOf(frames, link));
      expect(events).toEqual(expected);
      expect(connections).toHaveLength(1);
      expect(connections[0]).toMatchObject({ sawSyn: true, client: { port: 40000 }, server: { port: 80 } });
      expect(result.net).toMatchObject({ packets: 8, tcpSegments: 8, undecodable: 0, nonIp: 0, unsupportedLink: 0 });
      expect(result.linkTypes).toEqual(new Map([[link, 8]]));
    });
  }

  it('prints IPv6 endpoints compressed', async () => {
    const { connections } = await streamEvents(pcapOf(v6.map((p) => ethernet(p))));
    expect(connections[0].client).toEqual({ ip: 'fd00::1', port: 40000 });
    expect(connections[0].server).toEqual({ ip: 'fd00::2', port: 80 });
  });

  it('counts frames that are not IP (ARP) and goes on', async () => {
    const arp = ethernet(new Uint8Array(28), { type: etherType.arp });
    const frames = v4.map((p) => ethernet(p));
    const { events, result } = await streamEvents(pcapOf([arp, ...frames.slice(0, 4), arp, ...frames.slice(4)]));
    expect(events.map((e) => e.slice(0, 4))).toEqual(expected.map((e) => e.slice(0, 4)));
    expect(result.net.nonIp).toBe(2);
  });

  it('warns once, naming an unsupported link type, and still reads the rest of the file', async () => {
    const frames = v4.map((p) => ethernet(p));
    const blocks: PcapngBlock[] = [
      { kind: 'section', littleEndian: true },
      { kind: 'interface', linkType: 147 }, // LINKTYPE_USER0
      { kind: 'interface', linkType: linkType.ethernet },
      ...timed(frames).flatMap((f, i): PcapngBlock[] => {
        const ts = BigInt(f.sec) * 1_000_000n + BigInt(f.nsec / 1000);
        const data: PcapngBlock = { kind: 'enhanced', iface: 1, ts, data: f.data };
        return i % 3 === 0 ? [{ kind: 'enhanced', iface: 0, ts, data: Uint8Array.of(1, 2, 3) }, data] : [data];
      }),
    ];
    const { events, result } = await streamEvents(pcapng(blocks));
    expect(events).toEqual(expected);
    expect(result.net.unsupportedLink).toBe(3);
    const linkWarnings = result.warnings.filter((w) => /147/.test(w.message));
    expect(linkWarnings).toHaveLength(1);
    expect(linkWarnings[0].message).toMatch(/unsupported user-defined link type 147/);
  });

  it('warns about a classic pcap whose only link type is unsupported', async () => {
    const { events, result } = await streamEvents(pcap(timed(v4), { linkType: 9999 }));
    expect(events).toEqual([]);
    expect(result.capture.packets).toBe(8);
    expect(result.net.unsupportedLink).toBe(8);
    expect(result.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/unsupported link type 9999/)]);
  });
});
