/**
 * Builds the segments of one TCP connection (handshake, data both ways, FIN/RST) so a test
 * can drop, duplicate, reorder, overlap or retransmit them before writing the frames.
 * Sequence numbers are tracked per side; `at()` makes a segment at any stream offset.
 */
import { ethernet, ethernetIpv4Tcp, ipv4, ipv6, tcp, tcpFlags, text, type TcpOptions } from './packetBuilder.js';

export type Side = 0 | 1; // 0 = client, 1 = server

export interface Segment {
  from: Side;
  seq: number;
  ack: number;
  flags: number;
  payload: Uint8Array;
}

export interface ConversationOptions {
  client?: [ip: string, port: number];
  server?: [ip: string, port: number];
  /** Initial sequence numbers; near 2^32 to test wrap-around. */
  clientIsn?: number;
  serverIsn?: number;
}

const { SYN, ACK, FIN, RST, PSH } = tcpFlags;

export class TcpConversation {
  readonly client: [string, number];
  readonly server: [string, number];
  readonly isn: [number, number];
  /** Stream offset (bytes sent so far) of each side, not counting SYN/FIN. */
  readonly sent: [number, number] = [0, 0];
  private finSent: [boolean, boolean] = [false, false];

  constructor(o: ConversationOptions = {}) {
    this.client = o.client ?? ['10.0.0.1', 40000];
    this.server = o.server ?? ['10.0.0.2', 80];
    this.isn = [o.clientIsn ?? 1000, o.serverIsn ?? 5000];
  }

  /** Sequence number of stream offset `offset` of `side` (first data byte = offset 0). */
  seqOf(side: Side, offset: number): number {
    return (this.isn[side] + 1 + offset) >>> 0;
  }

  /** What `side` acknowledges: everything the other side sent so far (and its FIN). */
  private ackOf(side: Side): number {
    const other = (1 - side) as Side;
    return (this.seqOf(other, this.sent[other]) + (this.finSent[other] ? 1 : 0)) >>> 0;
  }

  handshake(): [Segment, Segment, Segment] {
    return [
      { from: 0, seq: this.isn[0], ack: 0, flags: SYN, payload: new Uint8Array(0) },
      { from: 1, seq: this.isn[1], ack: this.seqOf(0, 0), flags: SYN | ACK, payload: new Uint8Array(0) },
      { from: 0, seq: this.seqOf(0, 0), ack: this.seqOf(1, 0), flags: ACK, payload: new Uint8Array(0) },
    ];
  }

  /** Next data segment of `side`. */
  send(side: Side, data: string | Uint8Array): Segment {
    const seg = this.at(side, this.sent[side], data);
    this.sent[side] += seg.payload.length;
    return seg;
  }

  /** A data segment at an explicit stream offset (retransmissions, overlaps); does not advance. */
  at(side: Side, offset: number, data: string | Uint8Array): Segment {
    const payload = typeof data === 'string' ? text(data) : data;
    return { from: side, seq: this.seqOf(side, offset), ack: this.ackOf(side), flags: PSH | ACK, payload };
  }

  /** A pure acknowledgement of everything the peer sent so far. */
  ack(side: Side): Segment {
    return {
      from: side,
      seq: this.seqOf(side, this.sent[side]),
      ack: this.ackOf(side),
      flags: ACK,
      payload: new Uint8Array(0),
    };
  }

  fin(side: Side): Segment {
    const seg = {
      from: side,
      seq: this.seqOf(side, this.sent[side]),
      ack: this.ackOf(side),
      flags: FIN | ACK,
      payload: new Uint8Array(0),
    };
    this.finSent[side] = true;
    return seg;
  }

  rst(side: Side): Segment {
    return {
      from: side,
      seq: this.seqOf(side, this.sent[side]),
      ack: this.ackOf(side),
      flags: RST | ACK,
      payload: new Uint8Array(0),
    };
  }

  /** Source and destination addresses of the segment. */
  addresses(s: Segment): { src: string; dst: string } {
    return s.from === 0 ? { src: this.client[0], dst: this.server[0] } : { src: this.server[0], dst: this.client[0] };
  }

  /** The TCP header and payload of the segment (what IP carries, and what fragments split). */
  tcpBytes(s: Segment): Uint8Array {
    return tcp(s.payload, this.tcpOptions(s));
  }

  private tcpOptions(s: Segment): TcpOptions {
    const [src, dst] = s.from === 0 ? [this.client, this.server] : [this.server, this.client];
    return { sport: src[1], dport: dst[1], seq: s.seq, ack: s.ack, flags: s.flags };
  }

  /** The segment as an IP packet (IPv4, or IPv6 when the addresses are). */
  packet(s: Segment): Uint8Array {
    const a = this.addresses(s);
    return a.src.includes(':') ? ipv6(this.tcpBytes(s), a) : ipv4(this.tcpBytes(s), a);
  }

  /** The segment as an Ethernet frame (IPv4's made in one piece). */
  frame(s: Segment): Uint8Array {
    const a = this.addresses(s);
    return a.src.includes(':')
      ? ethernet(ipv6(this.tcpBytes(s), a))
      : ethernetIpv4Tcp(s.payload, a, this.tcpOptions(s));
  }
}
