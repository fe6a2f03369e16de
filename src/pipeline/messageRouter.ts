/**
 * Routing inside one analysis: each connection to the parser its protocol calls for (plain or
 * inside TLS), each decoded exchange to the VIM it belongs to (Nova REST, Nomad API by port
 * or evidence, oslo.messaging through its correlator, Nomad RPC), calls through a reverse proxy
 * once on the caller's leg, and every VIM message kept in the message log.
 */
import type { ConnectionInfo, StreamHandler } from '../net/types.js';
import { endpointHost } from '../net/ipPacket.js';
import { forwardedFor, ProxyLegPairer, type ProxyHop } from '../protocols/http/proxyLegs.js';
import type { GuessedProtocol } from '../protocols/guessProtocol.js';
import type { TlsConnectionSummary } from '../protocols/tls/types.js';
import { count, type HttpExchange, type ProtocolContext } from '../protocols/types.js';
import { novaRpcMessage, type OsloCorrelator } from '../dissectors/nova/osloCorrelator.js';
import { novaHttpEvent, novaHttpMessage } from '../dissectors/nova/restEvents.js';
import type { NovaHttpEvent, NovaRpcEvent } from '../dissectors/nova/types.js';
import { defaultNomadApiPorts, hasNomadEvidence, nomadHttpEvent } from '../dissectors/nomad/httpEvents.js';
import { nomadMessage, type NomadHttpEvent, type NomadRpcEvent } from '../dissectors/nomad/types.js';
import type { Vim, VimMessage } from '../dissectors/types.js';
import { MessageLog } from '../dissectors/messageLog.js';
import type { NomadCorrelator } from '../timeline/nomadCorrelator.js';
import type { NovaCorrelator } from '../timeline/novaCorrelator.js';
import type { ResultCounters } from '../result/types.js';
import { defaultMaxMessages, type SessionOptions } from './sessionOptions.js';
import { parserFor, type ParserChoice } from './connectionParsers.js';
import type { HttpDissection } from './httpDissection.js';

/** TLS connection summaries kept (the rest are counted). */
const maxTlsConnections = 10_000;

/** Where routed events go: the correlators that build the requests. */
export interface RouteTargets {
  oslo: OsloCorrelator;
  nova: NovaCorrelator;
  nomad: NomadCorrelator;
}

type Leg = Pick<VimMessage, 'via' | 'leg'>;

export class MessageRouter {
  /** Messages seen per kind (kept or not). */
  readonly seen: ResultCounters['messages'] = { novaHttp: 0, novaRpc: 0, nomadHttp: 0, nomadRpc: 0, otherHttp: 0 };
  /** Every TLS connection seen (up to maxTlsConnections), decrypted or not. */
  readonly tls: TlsConnectionSummary[] = [];
  readonly messages: MessageLog;
  /** Capture time of the first message the full log could not keep. */
  firstDroppedMessage: number | null = null;
  private backendLegsOfEncryptedCalls = 0;
  private readonly keepMessages: boolean;
  private readonly nomadApiPorts: ReadonlySet<number>;
  /** Connections that showed Nomad API evidence (their later exchanges are Nomad's too). */
  private readonly nomadHttpConns = new Set<number>();
  private readonly parsers: ParserChoice;
  /** Exchanges dissected in a worker thread already (their bodies stayed there). */
  private readonly dissected = new WeakMap<HttpExchange, HttpDissection>();
  private readonly proxy = new ProxyLegPairer({
    caller: (ex, hop) => this.onHttp(ex, hop ? { via: hop } : {}),
    backend: (ex, hop) => this.onBackendLeg(ex, hop),
  });

  /** `frameOf`: the frame of a connection's payload at a time (`messages`), when frames are noted. */
  constructor(
    private readonly options: SessionOptions,
    private readonly ctx: ProtocolContext,
    private readonly to: RouteTargets,
    private readonly frameOf: (conn: number, t: number) => number | undefined,
  ) {
    this.keepMessages = options.keepMessages ?? true;
    this.nomadApiPorts = options.nomadApiPorts ? new Set(options.nomadApiPorts) : defaultNomadApiPorts;
    this.messages = new MessageLog(options.maxMessages ?? defaultMaxMessages);
    this.parsers = {
      ctx,
      vim: options.vim,
      nomadApiPorts: this.nomadApiPorts,
      tlsKeyLog: options.tlsKeyLog,
      sinks: {
        http: (ex) => this.proxy.exchange(ex),
        amqp: (m) => this.to.oslo.message(m),
        nomadRpc: (ev) => this.onNomadRpc(ev),
        tls: (p) => {
          this.noteTls(p.summary);
          return p;
        },
      },
    };
  }

  wants(vim: Vim): boolean {
    return this.options.vim === undefined || this.options.vim === vim;
  }

  /** The parser for one connection, once its protocol is known. */
  parserFor(proto: GuessedProtocol, conn: ConnectionInfo): StreamHandler | null {
    return parserFor(this.parsers, proto, conn);
  }

  /** An exchange from a connection parsed in a worker thread, with its dissection made there. */
  dissectedExchange(ex: HttpExchange, dissected: HttpDissection): void {
    this.dissected.set(ex, dissected);
    this.proxy.exchange(ex);
  }

  /** A new TLS connection's summary (kept up to maxTlsConnections). */
  noteTls(summary: TlsConnectionSummary): void {
    if (this.tls.length < maxTlsConnections) this.tls.push(summary);
    else count(this.ctx.counters, 'tls', 'connectionsNotListed');
  }

  /** Proxy legs waiting for their pair are settled by capture time. */
  tick(now: number): void {
    this.proxy.tick(now);
  }

  /** The end of the input: legs still waiting for a pair go out alone. */
  end(): void {
    this.proxy.end();
  }

  proxyCounters(): ResultCounters['proxy'] {
    return { ...this.proxy.counters, backendLegsOfEncryptedCalls: this.backendLegsOfEncryptedCalls };
  }

  /**
   * A proxy → backend leg. Paired, it is the same call as its caller's leg (kept as a
   * message only with `legs`); alone, it stands for the call unless its caller's leg is
   * inside TLS that was not opened: phases are measured on the caller's leg, so then it is
   * listed but measures nothing.
   */
  private onBackendLeg(ex: HttpExchange, hop: ProxyHop | null): void {
    if (hop) {
      if (this.options.legs) this.onHttp(ex, { via: hop, leg: 'backend' }, false);
      return;
    }
    if (this.callerInsideTls(ex)) {
      this.backendLegsOfEncryptedCalls++;
      return this.onHttp(ex, { leg: 'backend' }, false);
    }
    this.onHttp(ex);
  }

  /** Was the caller that a proxy names in X-Forwarded-For sending undecrypted TLS then? */
  private callerInsideTls(ex: HttpExchange): boolean {
    const from = forwardedFor(ex);
    const t = ex.request.firstByte;
    return this.tls.some(
      (c) =>
        c.reason !== undefined &&
        endpointHost(c.client) === from &&
        c.firstApplicationTs !== null &&
        c.firstApplicationTs <= t &&
        c.lastApplicationTs! >= t,
    );
  }

  /** `measure` false: listed as a message, but not a milestone of any request. */
  private onHttp(ex: HttpExchange, extra: Leg = {}, measure = true): void {
    const pre = this.dissected.get(ex);
    if (this.wants('nova')) {
      const ev = pre ? pre.nova : novaHttpEvent(ex);
      if (ev) return this.onNovaHttp(ev, extra, measure);
    }
    // Nomad's API lives under /v1/ (its port is configurable; the path is not), but so do
    // other APIs: a connection is Nomad's once one exchange on it shows Nomad evidence.
    if (
      this.wants('nomad') &&
      ex.request.target.startsWith('/v1/') &&
      (this.nomadHttpConns.has(ex.conn.id) || (pre ? pre.nomadEvidence : hasNomadEvidence(ex, this.nomadApiPorts)))
    ) {
      this.nomadHttpConns.add(ex.conn.id);
      return this.onNomadHttp(pre ? pre.nomad! : nomadHttpEvent(ex), extra, measure);
    }
    this.seen.otherHttp++;
  }

  private onNovaHttp(ev: NovaHttpEvent, extra: Leg = {}, measure = true): void {
    if (extra.leg !== 'backend' || !extra.via) this.seen.novaHttp++;
    if (this.keepMessages) this.keep({ ...novaHttpMessage(ev), ...extra }, ev.conn);
    if (measure) this.to.nova.http(ev);
  }

  /** An oslo.messaging call, cast or notification, as the correlator completed it. */
  novaRpc(ev: NovaRpcEvent): void {
    this.seen.novaRpc++;
    if (this.keepMessages) this.keep(novaRpcMessage(ev), ev.publish?.conn ?? ev.deliveries[0]?.conn);
    this.to.nova.rpc(ev);
  }

  private onNomadHttp(ev: NomadHttpEvent, extra: Leg = {}, measure = true): void {
    if (extra.leg !== 'backend' || !extra.via) this.seen.nomadHttp++;
    if (this.keepMessages) this.keep({ ...nomadMessage(ev), ...extra }, ev.conn);
    if (measure) this.to.nomad.http(ev);
  }

  /** A Nomad RPC exchange, as its event. */
  onNomadRpc(ev: NomadRpcEvent): void {
    this.seen.nomadRpc++;
    if (this.keepMessages) this.keep(nomadMessage(ev), ev.conn);
    this.to.nomad.rpc(ev);
  }

  private keep(m: VimMessage, conn: number | undefined): void {
    if (conn !== undefined) {
      m.conn = conn;
      const frame = this.frameOf(conn, m.t);
      if (frame !== undefined) m.frame = frame;
    }
    if (!this.messages.push(m) && this.firstDroppedMessage === null) this.firstDroppedMessage = m.t;
  }
}
