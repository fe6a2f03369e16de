/**
 * Records → TCP segments: link layer, IPv4/IPv6 (fragments reassembled), then the TCP
 * reassembler. Anything that is not TCP over IP is counted and dropped here.
 */
import type { PacketRecord } from '../capture/types.js';
import { etherTypes, linkDecoders, linkTypeName, type LinkDecoded } from './linkLayers.js';
import { decodeIpv4, decodeIpv6, emptyIpView, ipProtocols, walkIpv6Headers, type IpView } from './ipPacket.js';
import { IpFragmentReassembler } from './ipFragments.js';
import { TcpReassembler, type TcpReassemblerOptions } from './tcpReassembler.js';
import { DuplicateFrameFilter } from './duplicateFrames.js';
import type { NetCounters, NetWarning, StreamHandlerFactory } from './types.js';

export function emptyNetCounters(): NetCounters {
  return {
    packets: 0, unsupportedLink: 0, nonIp: 0, nonTcp: 0, tcpSegments: 0, undecodable: 0,
    ipFragments: 0, ipReassembled: 0, ipFragmentsDropped: 0, connections: 0, retransmissions: 0,
    outOfOrder: 0, gaps: 0, gapBytes: 0, bufferLimitHits: 0, connectionLimitHits: 0, payloadBytes: 0, duplicateFrames: 0,
  };
}

export interface PacketDecoderOptions extends TcpReassemblerOptions {
  onNetWarning?: (w: NetWarning) => void;
}

export class PacketDecoder {
  readonly counters = emptyNetCounters();
  readonly tcp: TcpReassembler;
  readonly fragments = new IpFragmentReassembler();
  /** Link types seen, with their packet counts. */
  readonly linkTypes = new Map<number, number>();
  private readonly link: LinkDecoded = { offset: 0, etherType: 0, ifIndex: -1 };
  private readonly ip: IpView = emptyIpView();
  private readonly warnedLinks = new Set<number>();
  private lastTs = 0;
  private readonly duplicates = new DuplicateFrameFilter();
  /** Set once a pcapng record names a second interface. */
  private multiInterface = false;

  constructor(factory: StreamHandlerFactory, private readonly options: PacketDecoderOptions = {}) {
    const warn = options.onNetWarning;
    this.tcp = new TcpReassembler(factory, this.counters, {
      ...options,
      onWarning: (message, ts, limit) => warn?.({ stage: 'net', ts, message, ...(limit ? { limit } : {}) }),
    });
  }

  record(r: PacketRecord): void {
    const c = this.counters;
    c.packets++;
    this.lastTs = r.ts;
    this.linkTypes.set(r.linkType, (this.linkTypes.get(r.linkType) ?? 0) + 1);
    const ld = linkDecoders.get(r.linkType);
    if (!ld) {
      c.unsupportedLink++;
      if (!this.warnedLinks.has(r.linkType)) {
        this.warnedLinks.add(r.linkType);
        this.options.onNetWarning?.({ stage: 'net', ts: r.ts, frame: r.frame, message: `unsupported ${linkTypeName(r.linkType)}: its frames are counted and skipped` });
      }
      return;
    }
    const link = this.link;
    link.ifIndex = -1;
    if (!ld.decode(r.bytes, link)) {
      c.undecodable++;
      return;
    }
    // Copies of one packet seen on several interfaces (`-i any`): SLL2 names the
    // interface, pcapng gives one id per interface; plain SLL (113) names none.
    if (r.iface > 0) this.multiInterface = true;
    if (r.linkType === 276 || r.linkType === 113 || this.multiInterface) {
      const iface = r.linkType === 276 ? link.ifIndex : r.linkType === 113 ? -1 : r.iface;
      if (this.duplicates.isDuplicate(r.bytes.subarray(link.offset), r.ts, iface)) {
        c.duplicateFrames = this.duplicates.duplicates;
        return;
      }
    }
    const ip = this.ip;
    let res;
    if (link.etherType === etherTypes.ipv4) res = decodeIpv4(r.bytes, link.offset, ip);
    else if (link.etherType === etherTypes.ipv6) res = decodeIpv6(r.bytes, link.offset, ip);
    else {
      c.nonIp++;
      return;
    }
    if (res !== 'ok') {
      c.undecodable++;
      return;
    }
    let view: IpView = ip;
    if (ip.fragment) {
      c.ipFragments++;
      const whole = this.fragments.add(ip, r.ts);
      if (!whole) return;
      c.ipReassembled++;
      view = whole;
      // The fragmentable part of an IPv6 datagram may begin with more extension headers.
      if (view.version === 6 && walkIpv6Headers(view.buf, view.payloadOff, view.payloadEnd, view.protocol, view) !== 'ok') {
        c.undecodable++;
        return;
      }
    }
    if (view.protocol !== ipProtocols.tcp) {
      c.nonTcp++;
      return;
    }
    this.tcp.segment(view, r.ts);
  }

  end(): void {
    this.fragments.expire(Number.POSITIVE_INFINITY);
    this.counters.ipFragmentsDropped = this.fragments.dropped;
    this.tcp.end(this.lastTs);
  }
}
