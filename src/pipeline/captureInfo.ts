/**
 * `vim-analyse info`: what is in a capture — format, link types, counts, time span and
 * one row per TCP connection with the protocol guessed from its port and first bytes.
 */
import { reassembleTcp, type ReassembleOptions } from '../net/reassembleTcp.js';
import type { CaptureSource } from '../capture/readCapture.js';
import { linkTypeName } from '../net/linkLayers.js';
import { endpointText } from '../net/ipPacket.js';
import { guessProtocol, senderRole } from '../protocols/guessProtocol.js';
import type { ConnectionInfo, Direction, StreamHandler } from '../net/types.js';
import type { CaptureInfo, ConnectionRow } from '../result/types.js';
import { inferVantage } from './vantage.js';
import { looksLikeTlsRecord } from '../protocols/tls/constants.js';
import { TlsConnectionParser } from '../protocols/tls/tlsConnectionParser.js';
import { defaultProtocolLimits, type ProtocolContext } from '../protocols/types.js';

export type { CaptureInfo, ConnectionRow };

/**
 * Reads a connection's hellos when its first bytes are a TLS record, then stops: `info`
 * says who is encrypted without following every record.
 */
class TlsHelloProbe implements StreamHandler {
  private parser: TlsConnectionParser | null | undefined;
  constructor(
    private readonly conn: ConnectionInfo,
    private readonly ctx: ProtocolContext,
    private readonly found: Map<number, TlsConnectionParser>,
  ) {}
  data(dir: Direction, b: Uint8Array, ts: number): void {
    if (this.parser === null) return;
    if (this.parser === undefined) {
      this.parser = looksLikeTlsRecord(b) ? new TlsConnectionParser(this.conn, this.ctx, null, () => null) : null;
      if (!this.parser) return;
      this.found.set(this.conn.id, this.parser);
    }
    this.parser.data(dir, b, ts);
    if (this.parser.summary.version !== null) this.parser = null;
  }
  gap(): void {
    this.parser = null;
  }
  end(): void {}
}

function tlsOf(p: TlsConnectionParser | undefined): Pick<ConnectionRow, 'tls'> {
  if (!p) return {};
  const { serverName, version, cipherSuite } = p.summary;
  return { tls: { serverName, version, cipherSuite } };
}

export async function captureInfo(source: CaptureSource, options: ReassembleOptions = {}): Promise<CaptureInfo> {
  const ctx: ProtocolContext = { counters: {}, warn: () => {}, limits: defaultProtocolLimits };
  const tls = new Map<number, TlsConnectionParser>();
  const r = await reassembleTcp(source, (conn) => new TlsHelloProbe(conn, ctx, tls), { senderRole, ...options });
  const s = r.capture;
  const digits = s.tsPrecision || 6;
  const ms = (ns: number) => ns / 1e6;
  const connections: ConnectionRow[] = r.connections.map((c) => ({
    id: c.info.id,
    client: endpointText(c.info.client.ip, c.info.client.port),
    server: endpointText(c.info.server.ip, c.info.server.port),
    protocol: guessProtocol(c.info.server.port, c.head[0], c.head[1], c.info.sawSyn),
    startMs: ms(c.info.startTs - (s.firstTs ?? 0)),
    durationMs: Math.max(0, ms(c.lastTs - c.info.startTs)),
    packets: c.packets,
    bytes: c.bytes,
    gaps: c.gaps,
    gapBytes: c.gapBytes,
    retransmissions: c.retransmissions,
    outOfOrder: c.outOfOrder,
    handshake: c.info.sawSyn,
    closed: c.closed,
    ...tlsOf(tls.get(c.info.id)),
  }));
  return {
    schema: 'vim-analyse-info/2',
    file: typeof source === 'string' ? source : '-',
    format: s.format,
    gzip: s.gzip,
    linkTypes: [...r.linkTypes].map(([linkType, packets]) => ({ linkType, name: linkTypeName(linkType), packets })),
    encapsulations: [...r.encapsulations].map(([name, packets]) => ({ name, packets })),
    packets: s.packets,
    capturedBytes: s.capturedBytes,
    fileBytes: s.fileBytes,
    start: r.clock.isoOf(s.firstTs, s.firstNs, digits),
    end: r.clock.isoOf(s.lastTs, s.lastNs, digits),
    startUnixNs: r.clock.unixNsTextOf(s.firstTs, s.firstNs, digits),
    endUnixNs: r.clock.unixNsTextOf(s.lastTs, s.lastNs, digits),
    durationMs:
      s.firstNs !== undefined && s.lastNs !== undefined
        ? Number(s.lastNs - s.firstNs) / 1e6
        : s.firstTs === null || s.lastTs === null
          ? 0
          : ms(s.lastTs - s.firstTs),
    tsPrecision: s.tsPrecision,
    capture: s.counters,
    net: r.net,
    connections,
    vantage: inferVantage(r.connections),
    warnings: r.warnings.map((w) => w.message),
  };
}
