/**
 * One analysis: captures in, messages and request timelines out. Wires the stages —
 * net (reassembly) → protocols (parser chosen per connection by port and first bytes) →
 * dissectors (Nova, Nomad) → timeline correlators — and gathers every stage's counters
 * and warnings. Used by the offline commands and by live capture alike.
 */
import type { CaptureSource } from '../capture/readCapture.js';
import { SessionClock } from '../capture/sessionClock.js';
import type { CaptureSummary } from '../capture/types.js';
import { reassembleTcp } from '../net/reassembleTcp.js';
import type { ConnectionInfo, NetCounters, ReassemblyLimits, StreamHandler } from '../net/types.js';
import { AmqpConnectionParser } from '../protocols/amqp/connectionParser.js';
import { HttpConnectionParser } from '../protocols/http/parser.js';
import type { GuessedProtocol } from '../protocols/guessProtocol.js';
import { SniffingHandler } from '../protocols/sniffingHandler.js';
import { count, defaultProtocolLimits, type HttpExchange, type ProtocolContext, type ProtocolCounters, type ProtocolLimits } from '../protocols/types.js';
import { OsloCorrelator, toVimMessage as rpcMessage } from '../dissectors/nova/osloCorrelator.js';
import { novaBodyFilter, novaHttpEvent, toVimMessage as restMessage } from '../dissectors/nova/restEvents.js';
import type { NovaHttpEvent, NovaRpcEvent } from '../dissectors/nova/types.js';
import type { Vim, VimMessage } from '../dissectors/types.js';
import { NomadRpcConnectionParser } from '../dissectors/nomad/nomadRpcConnectionParser.js';
import { nomadHttpEvent } from '../dissectors/nomad/httpEvents.js';
import { nomadRpcEvent } from '../dissectors/nomad/rpcEvents.js';
import { toVimMessage as nomadMessage, type NomadHttpEvent, type NomadRpcEvent } from '../dissectors/nomad/types.js';
import { NomadCorrelator } from '../timeline/nomadCorrelator.js';
import { NovaCorrelator } from '../timeline/novaCorrelator.js';
import { buildPhases } from '../timeline/buildPhases.js';
import { nomadPhaseModel, novaPhaseModel } from '../timeline/phaseModel.js';
import type { ClockEstimate, MilestoneSet, PhaseModel, RequestKeys, RequestTimeline } from '../timeline/types.js';

export interface SessionOptions {
  /** Only this VIM (default: whichever the capture holds). */
  vim?: Vim;
  limits?: Partial<ProtocolLimits>;
  reassembly?: Partial<ReassemblyLimits>;
  /** Known clock offsets (ms, host clock − capture clock) by host, overriding estimates. */
  clockOffsets?: Record<string, number>;
  /** Warnings kept in the result (all are counted). */
  maxWarnings?: number;
  onProgress?: (bytesRead: number) => void;
}

export interface CaptureRecord {
  file: string;
  summary: CaptureSummary;
  net: NetCounters;
}

export interface SessionOutput {
  clock: SessionClock;
  captures: CaptureRecord[];
  messages: VimMessage[];
  requests: RequestTimeline[];
  vims: Vim[];
  clocks: Record<string, ClockEstimate>;
  counters: Record<string, unknown>;
  warnings: string[];
}

export class AnalysisSession {
  readonly clock = new SessionClock();
  readonly counters: ProtocolCounters = {};
  readonly warnings: string[] = [];
  private warningCount = 0;
  private readonly ctx: ProtocolContext;
  private readonly captures: CaptureRecord[] = [];
  private readonly oslo: OsloCorrelator;
  private readonly novaHttp: NovaHttpEvent[] = [];
  private readonly nomadHttp: NomadHttpEvent[] = [];
  private readonly nomadRpc: NomadRpcEvent[] = [];
  private otherHttp = 0;

  constructor(private readonly options: SessionOptions = {}) {
    this.ctx = {
      counters: this.counters,
      warn: (w) => this.warn(`${w.protocol}${w.conn !== undefined ? ` connection ${w.conn}` : ''}: ${w.message}`),
      limits: { ...defaultProtocolLimits, ...options.limits },
    };
    this.oslo = new OsloCorrelator({ warn: (w) => this.warn(`nova: ${w.message}`) });
  }

  warn(message: string): void {
    this.warningCount++;
    if (this.warnings.length < (this.options.maxWarnings ?? 200)) this.warnings.push(message);
  }

  private wants(vim: Vim): boolean {
    return this.options.vim === undefined || this.options.vim === vim;
  }

  /** The parser for one connection, once its protocol is known. */
  private parserFor(proto: GuessedProtocol, conn: ConnectionInfo): StreamHandler | null {
    count(this.counters, 'connections', proto);
    switch (proto) {
      case 'http':
        return new HttpConnectionParser(conn, (ex) => this.onHttp(ex), this.ctx, {
          keepBody: this.options.vim === 'nomad' ? undefined : bodyFilter(conn),
          midStream: !conn.sawSyn,
        });
      case 'amqp':
        return this.wants('nova') ? new AmqpConnectionParser(conn, { message: (m) => this.oslo.message(m) }, this.ctx) : null;
      case 'nomad-rpc':
        return this.wants('nomad') ? new NomadRpcConnectionParser(conn, (ex) => this.nomadRpc.push(nomadRpcEvent(ex)), this.ctx) : null;
      default:
        return null;
    }
  }

  private onHttp(ex: HttpExchange): void {
    if (this.wants('nova')) {
      const ev = novaHttpEvent(ex);
      if (ev) return void this.novaHttp.push(ev);
    }
    // Nomad's API lives under /v1/ (its port is configurable; the path is not).
    if (this.wants('nomad') && ex.request.target.startsWith('/v1/')) return void this.nomadHttp.push(nomadHttpEvent(ex));
    this.otherHttp++;
  }

  async addCapture(source: CaptureSource): Promise<CaptureRecord> {
    const r = await reassembleTcp(source, (conn) => new SniffingHandler(conn, (p, c) => this.parserFor(p, c)), {
      clock: this.clock,
      limits: this.options.reassembly,
      onProgress: this.options.onProgress,
    });
    for (const w of r.warnings) this.warn(w.message);
    const rec = { file: typeof source === 'string' ? source : '-', summary: r.capture, net: r.net };
    this.captures.push(rec);
    return rec;
  }

  finish(): SessionOutput {
    const rpc: NovaRpcEvent[] = this.wants('nova') ? this.oslo.end() : [];
    const messages: VimMessage[] = [
      ...this.novaHttp.map(restMessage), ...rpc.map(rpcMessage),
      ...this.nomadHttp.map(nomadMessage), ...this.nomadRpc.map(nomadMessage),
    ];
    messages.sort((a, b) => a.t - b.t);
    const requests: RequestTimeline[] = [];
    const vims: Vim[] = [];
    if (this.novaHttp.length || rpc.length) {
      const corr = new NovaCorrelator();
      for (const ev of this.novaHttp) corr.http(ev);
      for (const ev of rpc) corr.rpc(ev);
      const drafts = corr.end();
      for (const d of drafts) requests.push(timelineOf(novaPhaseModel, d.keys.server!, d.keys, d.milestones, d.notes));
      if (drafts.some((d) => d.milestones.has('post.first'))) vims.push('nova');
    }
    const clocks: Record<string, ClockEstimate> = {};
    if (this.nomadHttp.length || this.nomadRpc.length) {
      const corr = new NomadCorrelator(this.clock, this.options.clockOffsets);
      for (const ev of this.nomadHttp) corr.http(ev);
      for (const ev of this.nomadRpc) corr.rpc(ev);
      const drafts = corr.end();
      Object.assign(clocks, corr.clocks);
      for (const d of drafts) requests.push(timelineOf(nomadPhaseModel, d.keys.alloc!, d.keys, d.milestones, d.notes));
      if (drafts.some((d) => d.milestones.has('put.first'))) vims.push('nomad');
    }
    requests.sort((a, b) => a.startNs - b.startNs);
    return {
      clock: this.clock,
      captures: this.captures,
      messages,
      requests,
      vims,
      clocks,
      counters: {
        capture: this.captures.map((c) => c.summary.counters),
        net: this.captures.map((c) => c.net),
        protocols: this.counters,
        nova: this.oslo.counters,
        http: { nova: this.novaHttp.length, nomad: this.nomadHttp.length, other: this.otherHttp },
        nomadRpc: this.nomadRpc.length,
        warnings: this.warningCount,
      },
      warnings: this.warnings,
    };
  }
}

function timelineOf(model: PhaseModel, id: string, keys: RequestKeys, milestones: MilestoneSet, notes: string[]): RequestTimeline {
  const built = buildPhases(model, milestones);
  const times = [...milestones.values()].map((m) => m.t);
  return {
    vim: model.vim, id, keys, complete: built.complete, missing: built.missing,
    phases: built.phases, absent: built.absent, startNs: times.length ? Math.min(...times) : 0, notes,
  };
}

function bodyFilter(conn: ConnectionInfo) {
  const nova = novaBodyFilter(conn);
  // Nomad's API and anything unknown keep bodies (bounded); Nova keeps only what it reads.
  return (head: Parameters<typeof nova>[0]) => (conn.server.port === 4646 ? true : nova(head));
}
