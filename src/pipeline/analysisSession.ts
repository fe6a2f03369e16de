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
import { NovaCorrelator } from '../timeline/novaCorrelator.js';
import { buildPhases } from '../timeline/buildPhases.js';
import { novaPhaseModel } from '../timeline/phaseModel.js';
import type { RequestTimeline } from '../timeline/types.js';

export interface SessionOptions {
  /** Only this VIM (default: whichever the capture holds). */
  vim?: Vim;
  limits?: Partial<ProtocolLimits>;
  reassembly?: Partial<ReassemblyLimits>;
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
  private readonly otherHttp: HttpExchange[] = [];

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
      default:
        return null;
    }
  }

  private onHttp(ex: HttpExchange): void {
    if (this.wants('nova')) {
      const ev = novaHttpEvent(ex);
      if (ev) return void this.novaHttp.push(ev);
    }
    this.otherHttp.push(ex);
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
    const messages: VimMessage[] = [...this.novaHttp.map(restMessage), ...rpc.map(rpcMessage)];
    messages.sort((a, b) => a.t - b.t);
    const requests: RequestTimeline[] = [];
    const vims: Vim[] = [];
    if (this.novaHttp.length || rpc.length) {
      const corr = new NovaCorrelator();
      for (const ev of this.novaHttp) corr.http(ev);
      for (const ev of rpc) corr.rpc(ev);
      const drafts = corr.end();
      for (const d of drafts) {
        const built = buildPhases(novaPhaseModel, d.milestones);
        const first = d.milestones.get('post.first')?.t ?? Math.min(...[...d.milestones.values()].map((m) => m.t));
        requests.push({
          vim: 'nova', id: d.keys.server!, keys: d.keys, complete: built.complete, missing: built.missing,
          phases: built.phases, absent: built.absent, startNs: first, notes: d.notes,
        });
      }
      if (drafts.some((d) => d.milestones.has('post.first'))) vims.push('nova');
    }
    requests.sort((a, b) => a.startNs - b.startNs);
    return {
      clock: this.clock,
      captures: this.captures,
      messages,
      requests,
      vims,
      counters: {
        capture: this.captures.map((c) => c.summary.counters),
        net: this.captures.map((c) => c.net),
        protocols: this.counters,
        nova: this.oslo.counters,
        warnings: this.warningCount,
      },
      warnings: this.warnings,
    };
  }
}

function bodyFilter(conn: ConnectionInfo) {
  const nova = novaBodyFilter(conn);
  // Nomad's API and anything unknown keep bodies (bounded); Nova keeps only what it reads.
  return (head: Parameters<typeof nova>[0]) => (conn.server.port === 4646 ? true : nova(head));
}
