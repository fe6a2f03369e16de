import { describe, expect, it } from 'vitest';
import { ethernet, ipv4, ipv4Fragments, ipv6, ipv6Fragments } from '../helpers/packetBuilder.js';
import { TcpConversation } from '../helpers/tcpConversation.js';
import { ms, pcapOf, streamEvents, timed } from '../helpers/netEvents.js';
import { pcap } from '../helpers/pcapWriter.js';
import { tempFile } from '../helpers/captureRecords.js';
import { wiresharkReading } from '../helpers/sharkd.js';

const A50B50 = 'A'.repeat(50) + 'B'.repeat(50);

describe('IPv4 and IPv6 headers', () => {
  it('skips IPv4 options (IHL > 5)', async () => {
    const c = new TcpConversation();
    const hello = c.send(0, 'hello');
    // Record Route (7), length 11, pointer 4, two empty slots, then End of options: 12 bytes.
    const rr = Uint8Array.of(7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    const frames = [...c.handshake(), hello].map((s) =>
      ethernet(ipv4(c.tcpBytes(s), { ...c.addresses(s), options: rr })),
    );
    const { events, result } = await streamEvents(pcapOf(frames));
    expect(events).toEqual([
      [0, 'data', 0, 'hello', 3 * ms],
      [0, 'end', 0, 'eof', 3 * ms],
      [0, 'end', 1, 'eof', 3 * ms],
    ]);
    expect(result.net.undecodable).toBe(0);
  });

  it('drops Ethernet padding after the IPv4 total length', async () => {
    const c = new TcpConversation();
    const x = c.send(0, 'x'); // 14 + 20 + 20 + 1 = 55 bytes: padded to 60 on the wire
    const frames = [...c.handshake(), x].map((s) =>
      ethernet(ipv4(c.tcpBytes(s), { ...c.addresses(s), trailer: new Uint8Array(5) })),
    );
    const { events } = await streamEvents(pcapOf(frames));
    expect(events[0]).toEqual([0, 'data', 0, 'x', 3 * ms]);
  });

  it('reads an IPv4 total length of 0 as "the whole frame" (TSO/BIG TCP segments captured on the sending host)', async () => {
    const c = new TcpConversation();
    const big = c.send(0, 'x'.repeat(70_000));
    const frames = [...c.handshake(), big, c.send(0, 'next')].map((s) => {
      const p = c.packet(s);
      if (s === big) p[2] = p[3] = 0; // as Linux writes it when the length does not fit 16 bits
      return ethernet(p);
    });
    const { events, result } = await streamEvents(pcap(timed(frames), { snaplen: 262144 }));
    expect(events.filter((e) => e[1] === 'data').map((e) => [e[3].length, e[4]])).toEqual([
      [70_000, 3 * ms],
      [4, 4 * ms],
    ]);
    expect(result.net).toMatchObject({ undecodable: 0, gaps: 0 });
  });

  it('walks IPv6 hop-by-hop and destination options headers to TCP', async () => {
    const c = new TcpConversation({ client: ['2001:db8::1', 50000], server: ['2001:db8::2', 443] });
    const segs = [...c.handshake(), c.send(0, 'ping'), c.send(1, 'pong')];
    const frames = segs.map((s) =>
      ethernet(ipv6(c.tcpBytes(s), { ...c.addresses(s), extensions: [{ type: 0 }, { type: 60, units: 1 }] })),
    );
    const { events, result } = await streamEvents(pcapOf(frames));
    expect(events.filter((e) => e[1] === 'data')).toEqual([
      [0, 'data', 0, 'ping', 3 * ms],
      [0, 'data', 1, 'pong', 4 * ms],
    ]);
    expect(result.net).toMatchObject({ tcpSegments: 5, nonTcp: 0, undecodable: 0 });
  });
});

describe('IP fragments', () => {
  /** Handshake, a 100-byte client segment sent as 3 fragments (120 bytes with the TCP header), a reply. */
  function fragmented(order: number[], o: { v6?: boolean; duplicate?: number } = {}) {
    const c = o.v6
      ? new TcpConversation({ client: ['fd00::1', 40000], server: ['fd00::2', 80] })
      : new TcpConversation();
    const [syn, synAck, ack] = c.handshake();
    const big = c.send(0, A50B50);
    const reply = c.send(1, 'ok');
    const frags = o.v6
      ? ipv6Fragments(c.tcpBytes(big), 3, { ...c.addresses(big), id: 0x12345678, extensions: [{ type: 0 }] })
      : ipv4Fragments(c.tcpBytes(big), 3, { ...c.addresses(big), id: 7 });
    const sent = order.map((i) => frags[i]);
    if (o.duplicate !== undefined) sent.splice(1, 0, frags[o.duplicate]);
    return {
      frames: [...[syn, synAck, ack].map((s) => c.packet(s)), ...sent, c.packet(reply)].map((p) => ethernet(p)),
      frags,
    };
  }

  for (const v6 of [false, true]) {
    const ip = v6 ? 'IPv6' : 'IPv4';
    for (const order of [
      [0, 1, 2],
      [2, 0, 1],
      [1, 2, 0],
    ]) {
      it(`reassembles ${ip} fragments arriving in order ${order.join(',')}; data at the completing fragment's time`, async () => {
        const { frames } = fragmented(order, { v6 });
        const { events, result } = await streamEvents(pcapOf(frames));
        expect(events).toEqual([
          [0, 'data', 0, A50B50, 5 * ms],
          [0, 'data', 1, 'ok', 6 * ms],
          [0, 'end', 0, 'eof', 6 * ms],
          [0, 'end', 1, 'eof', 6 * ms],
        ]);
        expect(result.net).toMatchObject({ ipFragments: 3, ipReassembled: 1, ipFragmentsDropped: 0, tcpSegments: 5 });
      });
    }

    it(`reassembles ${ip} fragments with a duplicate once`, async () => {
      const { frames } = fragmented([2, 0, 1], { v6, duplicate: 2 });
      const { events, result } = await streamEvents(pcapOf(frames));
      expect(events.filter((e) => e[1] === 'data').map((e) => e[3])).toEqual([A50B50, 'ok']);
      expect(result.net).toMatchObject({ ipFragments: 4, ipReassembled: 1 });
    });

    it(`reports a ${ip} datagram missing a fragment as a TCP gap of its exact size, and counts the dropped fragments`, async () => {
      const c = v6
        ? new TcpConversation({ client: ['fd00::1', 40000], server: ['fd00::2', 80] })
        : new TcpConversation();
      const hs = c.handshake();
      const big = c.send(0, A50B50);
      const next = c.send(0, 'next');
      const frags = v6
        ? ipv6Fragments(c.tcpBytes(big), 3, { ...c.addresses(big), id: 9 })
        : ipv4Fragments(c.tcpBytes(big), 3, { ...c.addresses(big), id: 9 });
      const packets = [...hs.map((s) => c.packet(s)), frags[0], frags[2], c.packet(next)];
      const { events, result } = await streamEvents(pcapOf(packets.map((p) => ethernet(p))));
      expect(events).toEqual([
        [0, 'gap', 0, 100, 5 * ms],
        [0, 'data', 0, 'next', 5 * ms],
        [0, 'end', 0, 'eof', 5 * ms],
        [0, 'end', 1, 'eof', 5 * ms],
      ]);
      expect(result.net).toMatchObject({
        ipFragments: 2,
        ipReassembled: 0,
        ipFragmentsDropped: 2,
        gaps: 1,
        gapBytes: 100,
      });
    });
  }

  it('counts a lone first IPv4 fragment (the rest never captured) as a frame, and invents no TCP bytes or connection from it, as tshark', async () => {
    // A segment sent mid-connection, of which only the first fragment (with the TCP header) was captured.
    const c = new TcpConversation();
    c.handshake();
    const big = c.send(0, A50B50);
    const [first] = ipv4Fragments(c.tcpBytes(big), 3, { ...c.addresses(big), id: 11 });
    const file = pcapOf([ethernet(first)]);
    const { events, result } = await streamEvents(file);
    expect(result.capture.packets).toBe(1);
    expect(events).toEqual([]);
    expect(result.net).toMatchObject({
      ipFragments: 1,
      ipReassembled: 0,
      ipFragmentsDropped: 1,
      tcpSegments: 0,
      connections: 0,
      payloadBytes: 0,
    });
    // tshark too: one frame, no conversation (it reads the TCP header of a first fragment only
    // when the frame is cut shorter than the IP length: test/corpus/known-differences.tsv).
    const path = tempFile('lone-first-fragment.pcap', file);
    const wireshark = await wiresharkReading(path);
    expect(wireshark.frames).toBe(1);
    expect(wireshark.tcpConversations).toBe(0);
  });

  it('reassembles IPv6 fragments whose fragmentable part starts with a destination options header', async () => {
    const c = new TcpConversation({ client: ['fd00::1', 40000], server: ['fd00::2', 80] });
    const hs = c.handshake();
    const big = c.send(0, A50B50);
    const frags = ipv6Fragments(c.tcpBytes(big), 3, { ...c.addresses(big), id: 5, fragmentable: [{ type: 60 }] });
    const packets = [...hs.map((s) => c.packet(s)), frags[1], frags[2], frags[0]];
    const { events, result } = await streamEvents(pcapOf(packets.map((p) => ethernet(p))));
    expect(events[0]).toEqual([0, 'data', 0, A50B50, 5 * ms]);
    expect(result.net).toMatchObject({ ipReassembled: 1, nonTcp: 0, undecodable: 0 });
  });

  it('keeps datagrams of different ids apart', async () => {
    const c = new TcpConversation();
    const hs = c.handshake();
    const one = c.send(0, A50B50);
    const two = c.send(1, 'C'.repeat(100));
    const f1 = ipv4Fragments(c.tcpBytes(one), 2, { ...c.addresses(one), id: 1 });
    const f2 = ipv4Fragments(c.tcpBytes(two), 2, { ...c.addresses(two), id: 2 });
    const packets = [...hs.map((s) => c.packet(s)), f1[1], f2[1], f2[0], f1[0]];
    const { events } = await streamEvents(pcapOf(packets.map((p) => ethernet(p))));
    expect(events.filter((e) => e[1] === 'data')).toEqual([
      [0, 'data', 1, 'C'.repeat(100), 5 * ms],
      [0, 'data', 0, A50B50, 6 * ms],
    ]);
  });
});
