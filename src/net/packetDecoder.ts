/**
 * Records → TCP segments: link layer, IPv4/IPv6 (fragments reassembled), then the TCP
 * reassembler. Anything that is not TCP over IP is counted and dropped here.
 */
import type { PacketRecord } from '../capture/types.js';
import { FrameSlot } from '../capture/frameSlot.js';
import { etherTypes, linkDecoders, linkTypeName, type LinkDecoded, type LinkLayer } from './linkLayers.js';
import { decodeIpv4, decodeIpv6, emptyIpView, ipProtocols, walkIpv6Headers, type IpView } from './ipPacket.js';
import { IpFragmentReassembler } from './ipFragments.js';
import {
  etherEncapsulations,
  etherTypeEthernet,
  innerEthernet,
  ipEncapsulations,
  maxEncapsulationDepth,
  udpEncapsulations,
  type Encapsulation,
  type InnerPacket,
} from './encapsulations.js';
import { TcpReassembler, type TcpReassemblerOptions } from './tcpReassembler.js';
import { DuplicateFrameFilter } from './duplicateFrames.js';
import type { NetCounters, NetWarning, StreamHandlerFactory } from './types.js';

export function emptyNetCounters(): NetCounters {
  return {
    packets: 0,
    unsupportedLink: 0,
    nonIp: 0,
    nonTcp: 0,
    tcpSegments: 0,
    undecodable: 0,
    ipFragments: 0,
    ipReassembled: 0,
    ipFragmentsDropped: 0,
    decapsulated: 0,
    connections: 0,
    retransmissions: 0,
    outOfOrder: 0,
    gaps: 0,
    gapBytes: 0,
    bufferLimitHits: 0,
    connectionLimitHits: 0,
    quietConnectionsEnded: 0,
    payloadBytes: 0,
    duplicateFrames: 0,
  };
}

export interface PacketDecoderOptions extends TcpReassemblerOptions {
  onNetWarning?: (w: NetWarning) => void;
}

export class PacketDecoder {
  readonly counters = emptyNetCounters();
  readonly tcp: TcpReassembler;
  readonly fragments = new IpFragmentReassembler();
  /** Link types seen, with their packet counts (complete after end()). */
  readonly linkTypes = new Map<number, number>();
  /** Packets taken out of each encapsulation (VXLAN, GRE, …), by name; nested ones count at each level. */
  readonly encapsulations = new Map<string, number>();
  private readonly innerPacket: InnerPacket = { offset: 0, etherType: 0, label: null };
  private runLinkType = -1;
  private runPackets = 0;
  private runDecoder: LinkLayer | undefined;
  private readonly link: LinkDecoded = { offset: 0, etherType: 0, ifIndex: -1 };
  private readonly ip: IpView = emptyIpView();
  private readonly warnedLinks = new Set<number>();
  private lastTs = 0;
  /** Made with the first packet that needs it (its ring is half a MiB; most captures are of one interface). */
  private duplicates: DuplicateFrameFilter | undefined;
  /** Set once a pcapng record names a second interface. */
  private multiInterface = false;

  constructor(
    factory: StreamHandlerFactory,
    private readonly options: PacketDecoderOptions = {},
  ) {
    const warn = options.onNetWarning;
    this.tcp = new TcpReassembler(factory, this.counters, {
      ...options,
      onWarning: (message, ts, limit) => warn?.({ stage: 'net', ts, message, ...(limit ? { limit } : {}) }),
    });
  }

  /** One frame. Readers' FrameSlot records are read in place (no per-packet view). */
  record(r: PacketRecord): void {
    if (r instanceof FrameSlot) this.frame(r, r.data, r.start, r.end);
    else {
      const b = r.bytes;
      this.frame(r, b, 0, b.length);
    }
  }

  /** The frame of record `r`, which lies at b[s, e). */
  private frame(r: PacketRecord, b: Uint8Array, s: number, e: number): void {
    const c = this.counters;
    c.packets++;
    this.lastTs = r.ts;
    // Link types rarely change within a file: count runs, and look the decoder up per run.
    let ld = this.runDecoder;
    if (r.linkType !== this.runLinkType) {
      this.endLinkRun();
      this.runLinkType = r.linkType;
      ld = this.runDecoder = linkDecoders.get(r.linkType);
    }
    this.runPackets++;
    if (!ld) {
      c.unsupportedLink++;
      if (!this.warnedLinks.has(r.linkType)) {
        this.warnedLinks.add(r.linkType);
        this.options.onNetWarning?.({
          stage: 'net',
          ts: r.ts,
          frame: r.frame,
          message: `unsupported ${linkTypeName(r.linkType)}: its frames are counted and skipped`,
        });
      }
      return;
    }
    const link = this.link;
    link.ifIndex = -1;
    if (!ld.decode(b, s, e, link)) {
      c.undecodable++;
      return;
    }
    // Copies of one packet seen on several interfaces (`-i any`): SLL2 names the
    // interface, pcapng gives one id per interface; plain SLL (113) names none.
    if (r.iface > 0) this.multiInterface = true;
    if (r.linkType === 276 || r.linkType === 113 || this.multiInterface) {
      const iface = r.linkType === 276 ? link.ifIndex : r.linkType === 113 ? -1 : r.iface;
      const duplicates = (this.duplicates ??= new DuplicateFrameFilter());
      if (duplicates.isDuplicate(b, link.offset, e, r.ts, iface)) {
        c.duplicateFrames = duplicates.duplicates;
        return;
      }
    }
    this.network(r.ts, b, link.offset, e, link.etherType, 0);
  }

  /**
   * The network-layer packet at b[o, e) of this EtherType: IP up to TCP, or an
   * encapsulation (tables in ./encapsulations.ts) whose inner packet is decoded the same way.
   */
  private network(ts: number, b: Uint8Array, o: number, e: number, etherType: number, depth: number): void {
    const c = this.counters;
    if (etherType !== etherTypes.ipv4 && etherType !== etherTypes.ipv6) {
      const encap = etherType === etherTypeEthernet ? innerEthernet : etherEncapsulations.get(etherType);
      if (!encap) {
        c.nonIp++;
        return;
      }
      return this.inner(ts, b, o, e, encap, depth);
    }
    const ip = this.ip;
    const res = etherType === etherTypes.ipv4 ? decodeIpv4(b, o, e, ip) : decodeIpv6(b, o, e, ip);
    if (res !== 'ok') {
      c.undecodable++;
      return;
    }
    let view: IpView = ip;
    if (ip.fragment) {
      c.ipFragments++;
      const whole = this.fragments.add(ip, ts);
      if (!whole) return;
      c.ipReassembled++;
      view = whole;
      // The fragmentable part of an IPv6 datagram may begin with more extension headers.
      if (
        view.version === 6 &&
        walkIpv6Headers(view.buf, view.payloadOff, view.payloadEnd, view.protocol, view) !== 'ok'
      ) {
        c.undecodable++;
        return;
      }
    }
    if (view.protocol === ipProtocols.tcp) return this.tcp.segment(view, ts);
    const encap = view.protocol === ipProtocols.udp ? this.udpEncapsulation(view) : ipEncapsulations.get(view.protocol);
    if (!encap) {
      c.nonTcp++;
      return;
    }
    const at = view.protocol === ipProtocols.udp ? view.payloadOff + 8 : view.payloadOff;
    this.inner(ts, view.buf, at, view.payloadEnd, encap, depth);
  }

  /** The UDP tunnel this datagram is, by its destination port. */
  private udpEncapsulation(v: IpView): Encapsulation | undefined {
    if (v.payloadEnd - v.payloadOff < 8) return undefined;
    return udpEncapsulations.get((v.buf[v.payloadOff + 2] << 8) | v.buf[v.payloadOff + 3]);
  }

  /** Decapsulate b[o, e) with `encap` and decode what it carries. */
  private inner(ts: number, b: Uint8Array, o: number, e: number, encap: Encapsulation, depth: number): void {
    const c = this.counters;
    const out = this.innerPacket;
    out.label = null;
    if (depth >= maxEncapsulationDepth || !encap.decode(b, o, e, out)) {
      c.undecodable++;
      return;
    }
    const name = out.label ?? encap.name;
    // Inner Ethernet frames are part of their tunnel, not an encapsulation of their own.
    if (encap !== innerEthernet) {
      c.decapsulated++;
      this.encapsulations.set(name, (this.encapsulations.get(name) ?? 0) + 1);
    }
    this.network(ts, b, out.offset, e, out.etherType, depth + 1);
  }

  private endLinkRun(): void {
    if (this.runPackets > 0)
      this.linkTypes.set(this.runLinkType, (this.linkTypes.get(this.runLinkType) ?? 0) + this.runPackets);
    this.runPackets = 0;
  }

  end(): void {
    this.endLinkRun();
    this.fragments.expire(Number.POSITIVE_INFINITY);
    this.counters.ipFragmentsDropped = this.fragments.dropped;
    this.tcp.end(this.lastTs);
  }
}
