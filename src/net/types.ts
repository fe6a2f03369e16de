/**
 * Net stage: packet records → per-direction TCP byte streams.
 *
 * Contract (like gopacket's tcpassembly): for each connection and direction the handler
 * receives bytes strictly in sequence order, each chunk with the capture timestamp of the
 * segment that carried it. Retransmitted and overlapping bytes are delivered once. Bytes
 * that never arrived are reported with `gap` (their count, or -1 when unknown, e.g. the
 * capture started mid-stream) before the bytes that follow them. `end` is called once per
 * direction (FIN, RST, idle flush, or end of input). The `bytes` view is only valid during
 * the call: copy what you keep.
 */

export interface Endpoint {
  ip: string;
  port: number;
}

/** 0 = from the client (the side that opened, or is guessed to have opened) to the server. */
export type Direction = 0 | 1;

export interface ConnectionInfo {
  /** Sequential id within the session (0-based), in order of first packet. */
  id: number;
  client: Endpoint;
  server: Endpoint;
  /** True when the SYN was seen, so who is client is certain. */
  sawSyn: boolean;
  /** Relative ns of the connection's first packet. */
  startTs: number;
}

export type EndReason = 'fin' | 'rst' | 'idle' | 'eof' | 'limit';

export interface StreamHandler {
  data(dir: Direction, bytes: Uint8Array, ts: number): void;
  /** `bytes` lost before the next data; -1 when the size is unknown. */
  gap(dir: Direction, bytes: number, ts: number): void;
  end(dir: Direction, ts: number, reason: EndReason): void;
}

/** Called once per new connection; return null to ignore its payload (it is still counted). */
export type StreamHandlerFactory = (conn: ConnectionInfo) => StreamHandler | null;

/** Per-connection statistics (the `info` table). */
export interface ConnectionStats {
  info: ConnectionInfo;
  packets: [number, number];
  /** Reassembled payload bytes delivered in each direction. */
  bytes: [number, number];
  /** Gaps: number of gap events and total known bytes lost. */
  gaps: [number, number];
  gapBytes: [number, number];
  retransmissions: [number, number];
  outOfOrder: [number, number];
  lastTs: number;
  /** First payload bytes of each direction (up to 16), for protocol guessing. */
  head: [Uint8Array | null, Uint8Array | null];
  closed: EndReason | null;
}

export interface NetCounters {
  packets: number;
  /** Frames whose link layer is not one we decode. */
  unsupportedLink: number;
  /** Frames that are not IPv4/IPv6 (ARP, LLDP, …). */
  nonIp: number;
  /** IP packets that are not TCP (UDP, ICMP, …). */
  nonTcp: number;
  tcpSegments: number;
  /** Frames too short or malformed to decode. */
  undecodable: number;
  ipFragments: number;
  ipReassembled: number;
  /** Fragments dropped (timeout, limit, overlap inconsistency). */
  ipFragmentsDropped: number;
  /** Packets taken out of a tunnel or encapsulation (VXLAN, Geneve, GRE, ERSPAN, IP in IP, MPLS, PPPoE, GTP-U). */
  decapsulated: number;
  connections: number;
  retransmissions: number;
  outOfOrder: number;
  gaps: number;
  gapBytes: number;
  /** Times a buffering limit forced a gap (out-of-order bytes over the bound). */
  bufferLimitHits: number;
  /** Connections ended early (least recently used first) because the open-connection limit was hit. */
  connectionLimitHits: number;
  /**
   * Connections that never carried a payload byte (SYN-only, handshake-only) ended early:
   * past their own cap or idle timeout. A SYN flood costs these, not the connections with data.
   */
  quietConnectionsEnded: number;
  payloadBytes: number;
  /** Copies of a packet already seen on another interface (`-i any`), counted once. */
  duplicateFrames: number;
}

export interface NetWarning {
  stage: 'net';
  ts?: number;
  frame?: number;
  message: string;
  /** The limit that caused it, if one did (the session names the requests in flight then). */
  limit?: string;
}

export interface ReassemblyLimits {
  /** Max out-of-order bytes buffered per direction before a gap is forced. */
  maxBufferedBytesPerDirection: number;
  /** Max out-of-order bytes buffered over all connections. */
  maxBufferedBytesTotal: number;
  /** Max simultaneously open connections. */
  maxConnections: number;
  /** A connection with no packets for this long (ns) is flushed and ended. */
  idleTimeoutNs: number;
  /** Max open connections that have carried no payload yet; past it the oldest of them ends. */
  maxQuietConnections: number;
  /** A connection only one side ever sent on (an unanswered SYN) is ended after this long (ns) without packets. */
  quietIdleTimeoutNs: number;
}

export const defaultReassemblyLimits: ReassemblyLimits = {
  maxBufferedBytesPerDirection: 4 * 1024 * 1024,
  maxBufferedBytesTotal: 64 * 1024 * 1024,
  maxConnections: 100_000,
  idleTimeoutNs: 10 * 60 * 1e9,
  maxQuietConnections: 2_000,
  quietIdleTimeoutNs: 30 * 1e9,
};
