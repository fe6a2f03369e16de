/**
 * One analysis: captures in, messages and request timelines out. Wires the stages —
 * net (reassembly) → protocols (parser chosen per connection by port and first bytes) →
 * dissectors (Nova, Nomad) → timeline correlators — and gathers every stage's counters
 * and warnings. The offline commands, the streaming API and live capture all use it.
 *
 * Streaming: with `onRequest`, each request is handed out as soon as its phases are
 * complete (checked once per second of capture time); `finish()` then hands out the rest
 * and returns the authoritative result, computed with everything seen.
 */
import { captureSourceName, readCapture, type CaptureSource } from '../capture/readCapture.js';
import type { ResultCounters } from '../result/types.js';
import { SessionClock } from '../capture/sessionClock.js';
import type { CaptureSummary, PacketRecord } from '../capture/types.js';
import { PacketDecoder } from '../net/packetDecoder.js';
import type { ConnectionInfo, NetCounters, StreamHandler } from '../net/types.js';
import { AmqpConnectionParser } from '../protocols/amqp/connectionParser.js';
import { HttpConnectionParser, type HttpHeadInfo } from '../protocols/http/parser.js';
import { senderRole, type GuessedProtocol } from '../protocols/guessProtocol.js';
import { SniffingHandler } from '../protocols/sniffingHandler.js';
import { byteBudget } from '../protocols/byteBudget.js';
import { TlsConnectionParser } from '../protocols/tls/tlsConnectionParser.js';
import { forwardedFor, ProxyLegPairer, type ProxyHop } from '../protocols/http/proxyLegs.js';
import { endpointHost } from '../net/ipPacket.js';
import type { TlsConnectionSummary } from '../protocols/tls/types.js';
import { count, defaultProtocolLimits, type HttpExchange, type ProtocolContext, type ProtocolCounters } from '../protocols/types.js';
import { withDefaults } from '../net/withDefaults.js';
import { OsloCorrelator, novaRpcMessage } from '../dissectors/nova/osloCorrelator.js';
import { novaBodyFilter, novaHttpEvent, novaHttpMessage } from '../dissectors/nova/restEvents.js';
import type { NovaHttpEvent, NovaRpcEvent } from '../dissectors/nova/types.js';
import { NomadRpcConnectionParser } from '../dissectors/nomad/nomadRpcConnectionParser.js';
import { defaultNomadApiPorts, hasNomadEvidence, nomadHttpEvent, nomadKeepsBody } from '../dissectors/nomad/httpEvents.js';
import { nomadRpcEvent } from '../dissectors/nomad/rpcEvents.js';
import { nomadMessage, type NomadHttpEvent, type NomadRpcEvent } from '../dissectors/nomad/types.js';
import type { Vim, VimMessage } from '../dissectors/types.js';
import { MessageLog } from '../dissectors/messageLog.js';
import type { ConnectionStats } from '../net/types.js';
import { FrameIndex } from './frameIndex.js';
import { inferVantage } from './vantage.js';
import { loadCapture, mergeLoaded } from './mergeCaptures.js';
import { finalLogMerge, mergeLogsInto, provisionalLogTargets, type LogMergeInput } from './sessionLogs.js';
import type { LogTarget } from '../timeline/types.js';
import { defaultMaxOpenRequests } from '../timeline/openRequestLimit.js';
import { buildPhases } from '../timeline/buildPhases.js';
import { NomadCorrelator } from '../timeline/nomadCorrelator.js';
import { NovaCorrelator } from '../timeline/novaCorrelator.js';
import { nomadPhaseModel, novaPhaseModel } from '../timeline/phaseModel.js';
import type { ClockEstimate, MilestoneSet, PhaseModel, RequestKeys, RequestTimeline } from '../timeline/types.js';
import { droppedMessagesWarning, noteLimitHits, type LimitHit } from './limitNotes.js';
import { defaultMaxMessages, type CaptureRecord, type SessionOptions, type SessionOutput } from './sessionOptions.js';

export type { CaptureRecord, SessionOptions, SessionOutput };

/** How often (capture time) the streaming check runs. */
const tickNs = 1e9;
/** Offline: an oslo message is complete this long after its last sighting, a call's reply waited for this long. */
const offlineSettleNs = 60e9;
const offlineMaxWaitNs = 600e9;
const offlineDrainEveryNs = 10e9;
/** TLS connection summaries kept (the rest are counted). */
const maxTlsConnections = 10_000;
/** Released (live) requests kept for the final result. */
const maxRetainedRequests = 100_000;

export class AnalysisSession {
  readonly clock = new SessionClock();
  readonly counters: ProtocolCounters = {};
  readonly warnings: string[] = [];
  private warningCount = 0;
  private readonly ctx: ProtocolContext;
  private readonly captures: CaptureRecord[] = [];
  private readonly oslo: OsloCorrelator;
  private readonly nova: NovaCorrelator;
  private readonly nomad: NomadCorrelator;
  private readonly keepMessages: boolean;
  private readonly messages: MessageLog;
  /** Capture time of the first message the full log could not keep. */
  private firstDroppedMessage: number | null = null;
  private readonly seen = { novaHttp: 0, novaRpc: 0, nomadHttp: 0, nomadRpc: 0, otherHttp: 0 };
  private readonly nomadApiPorts: ReadonlySet<number>;
  /** Connections that showed Nomad API evidence (their later exchanges are Nomad's too). */
  private readonly nomadHttpConns = new Set<number>();
  private lastTick = Number.NEGATIVE_INFINITY;
  private lastOfflineDrain = Number.NEGATIVE_INFINITY;
  private readonly emittedIds = new Set<string>();
  private forgotten = 0;
  /** Complete, waiting out logGraceNs before they are handed out. */
  private readonly waiting: { model: PhaseModel; id: string; d: { keys: RequestKeys; milestones: MilestoneSet; notes: string[] }; at: number }[] = [];
  /** Capture time of the last poll. */
  private now = 0;
  private evicted = 0;
  /** Limits hit while reading (the requests in flight then are named at finish). */
  private readonly limitHits: LimitHit[] = [];
  /** Offsets of the second and later captures against the first. */
  private readonly captureClocks: Record<string, ClockEstimate> = {};
  /** Requests handed out and released from the correlators (live), kept for the final result. */
  private readonly tls: TlsConnectionSummary[] = [];
  private readonly proxy = new ProxyLegPairer({
    caller: (ex, hop) => this.onHttp(ex, hop ? { via: hop } : {}),
    backend: (ex, hop) => this.onBackendLeg(ex, hop),
  });
  private backendLegsOfEncryptedCalls = 0;
  private readonly released: { model: PhaseModel; id: string; keys: RequestKeys; milestones: MilestoneSet; notes: string[]; at: number }[] = [];
  /** Streaming with logs: the requests handed out, whose log sub-phases place the host clocks. */
  private readonly emittedDrafts: LogTarget[] = [];
  /** Summaries of the captures being read (their timestamp precision is known from the header). */
  private readonly reading: CaptureSummary[] = [];

  /** With `frameNumbers`: the frame of each payload delivery (one capture only: frames number within a file). */
  private frameIndex: FrameIndex | null;

  constructor(private readonly options: SessionOptions = {}) {
    this.frameIndex = options.frameNumbers ? new FrameIndex() : null;
    this.ctx = {
      counters: this.counters,
      warn: (w) => this.warn(`${w.protocol}${w.conn !== undefined ? ` connection ${w.conn}` : ''}: ${w.message}`),
      limits: withDefaults(defaultProtocolLimits, options.limits),
    };
    this.oslo = new OsloCorrelator({ warn: (w) => this.warn(`nova: ${w.message}`) });
    const limit = {
      max: options.maxOpenRequests ?? defaultMaxOpenRequests,
      onEvict: (id: string) => {
        this.evicted++;
        if (this.evicted <= 20) this.warn(`open-request limit (${options.maxOpenRequests ?? defaultMaxOpenRequests}) reached: request ${id} given up, incomplete`);
      },
    };
    this.nomad = new NomadCorrelator(this.clock, options.clockOffsets, limit);
    this.nova = new NovaCorrelator(this.clock, limit);
    this.keepMessages = options.keepMessages ?? true;
    this.nomadApiPorts = options.nomadApiPorts ? new Set(options.nomadApiPorts) : defaultNomadApiPorts;
    this.messages = new MessageLog(options.maxMessages ?? defaultMaxMessages);
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
        return new HttpConnectionParser(conn, (ex) => this.proxy.exchange(ex), this.ctx, { keepBody: bodyFilter(conn, this.nomadApiPorts), midStream: !conn.sawSyn });
      case 'amqp':
        return this.wants('nova') ? new AmqpConnectionParser(conn, { message: (m) => this.oslo.message(m) }, this.ctx) : null;
      case 'nomad-rpc':
        return this.wants('nomad') ? new NomadRpcConnectionParser(conn, (ex) => this.onNomadRpc(nomadRpcEvent(ex)), this.ctx) : null;
      case 'tls':
        return this.tlsParser(conn);
      default:
        return null;
    }
  }

  /** A TLS connection; what it decrypts to goes to the parser its plaintext calls for. */
  private tlsParser(conn: ConnectionInfo): StreamHandler {
    const p = new TlsConnectionParser(conn, this.ctx, this.options.tlsKeyLog ?? null, () => new SniffingHandler(conn, (proto, c) => (proto === 'tls' ? null : this.parserFor(proto, c))));
    if (this.tls.length < maxTlsConnections) this.tls.push(p.summary);
    else count(this.counters, 'tls', 'connectionsNotListed');
    return p;
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
    return this.tls.some((c) => c.reason !== undefined && endpointHost(c.client) === from && c.firstApplicationTs !== null && c.firstApplicationTs <= t && c.lastApplicationTs! >= t);
  }

  /** `measure` false: listed as a message, but not a milestone of any request. */
  private onHttp(ex: HttpExchange, extra: Pick<VimMessage, 'via' | 'leg'> = {}, measure = true): void {
    if (this.wants('nova')) {
      const ev = novaHttpEvent(ex);
      if (ev) return this.onNovaHttp(ev, extra, measure);
    }
    // Nomad's API lives under /v1/ (its port is configurable; the path is not), but so do
    // other APIs: a connection is Nomad's once one exchange on it shows Nomad evidence.
    if (this.wants('nomad') && ex.request.target.startsWith('/v1/') && (this.nomadHttpConns.has(ex.conn.id) || hasNomadEvidence(ex, this.nomadApiPorts))) {
      this.nomadHttpConns.add(ex.conn.id);
      return this.onNomadHttp(nomadHttpEvent(ex), extra, measure);
    }
    this.seen.otherHttp++;
  }

  private onNovaHttp(ev: NovaHttpEvent, extra: Pick<VimMessage, 'via' | 'leg'> = {}, measure = true): void {
    if (extra.leg !== 'backend' || !extra.via) this.seen.novaHttp++;
    if (this.keepMessages) this.keep({ ...novaHttpMessage(ev), ...extra }, ev.conn);
    if (measure) this.nova.http(ev);
  }

  private onNovaRpc(ev: NovaRpcEvent): void {
    this.seen.novaRpc++;
    if (this.keepMessages) this.keep(novaRpcMessage(ev), ev.publish?.conn ?? ev.deliveries[0]?.conn);
    this.nova.rpc(ev);
  }

  private onNomadHttp(ev: NomadHttpEvent, extra: Pick<VimMessage, 'via' | 'leg'> = {}, measure = true): void {
    if (extra.leg !== 'backend' || !extra.via) this.seen.nomadHttp++;
    if (this.keepMessages) this.keep({ ...nomadMessage(ev), ...extra }, ev.conn);
    if (measure) this.nomad.http(ev);
  }

  private onNomadRpc(ev: NomadRpcEvent): void {
    this.seen.nomadRpc++;
    if (this.keepMessages) this.keep(nomadMessage(ev), ev.conn);
    this.nomad.rpc(ev);
  }

  private keep(m: VimMessage, conn: number | undefined): void {
    if (conn !== undefined) {
      m.conn = conn;
      const frame = this.frameIndex?.frameOf(conn, m.t);
      if (frame !== undefined) m.frame = frame;
    }
    if (!this.messages.push(m) && this.firstDroppedMessage === null) this.firstDroppedMessage = m.t;
  }

  /** Per packet time: every second of capture time, hand out what completed. */
  private tick(now: number): void {
    if (now - this.lastTick < tickNs) return;
    this.poll(now);
  }

  /** Hand out what completed by capture time `now` (live calls it on a timer too). */
  poll(now: number): void {
    this.proxy.tick(now);
    this.lastTick = now;
    this.now = now;
    if (!this.options.onRequest) {
      // Offline, nothing is handed out early, but oslo sightings still leave the correlator
      // once settled: kept to the end they grew with the capture's length (every message
      // of an hour of Nova). The settle time is long enough for a message to wait in a queue.
      if (this.wants('nova') && now - this.lastOfflineDrain >= offlineDrainEveryNs) {
        // Each drain walks every sighting held: every 10 s is plenty with a 60 s settle time.
        this.lastOfflineDrain = now;
        for (const ev of this.oslo.drain(now, offlineSettleNs, offlineMaxWaitNs)) this.onNovaRpc(ev);
      }
      return;
    }
    for (const ev of this.oslo.drain(now)) this.onNovaRpc(ev);
    this.emitComplete(now);
  }

  private emitComplete(now: number, flush = false): void {
    const onRequest = this.options.onRequest;
    if (!onRequest) return;
    const complete = (model: PhaseModel) => (d: { milestones: MilestoneSet }) => buildPhases(model, d.milestones).complete;
    const release = this.options.releaseEmitted ?? false;
    for (const d of this.nova.takeComplete(complete(novaPhaseModel), release, now)) this.waiting.push({ model: novaPhaseModel, id: d.keys.server!, d, at: now });
    for (const d of this.nomad.takeComplete(complete(nomadPhaseModel), release)) this.waiting.push({ model: nomadPhaseModel, id: d.keys.alloc!, d, at: now });
    // Complete on the wire since `logGraceNs` (in completion order): their last log lines are in by now.
    const grace = flush ? 0 : this.options.logGraceNs ?? 0;
    let n = 0;
    while (n < this.waiting.length && now - this.waiting[n].at >= grace) n++;
    if (n === 0) return;
    const ready = this.waiting.splice(0, n);
    // Live (released requests): logs merged into the drafts themselves, over a bounded set of
    // recent requests; streaming offline: provisional copies (finish() merges once).
    const withLogs = release ? this.mergeLogsLive(ready) : this.provisionalLogMerge(ready);
    for (const { model, id, d } of ready) {
      this.emittedIds.add(id);
      if (release) {
        this.released.push({ model, id, keys: d.keys, milestones: d.milestones, notes: d.notes, at: now });
        const window = this.options.retainReleasedNs ?? Number.POSITIVE_INFINITY;
        while (this.released.length > maxRetainedRequests || (this.released.length && now - this.released[0].at > window)) {
          this.emittedIds.delete(this.released.shift()!.id);
          this.forgotten++;
        }
      }
      const merged = withLogs.get(id);
      onRequest(timelineOf(model, id, d.keys, merged?.milestones ?? d.milestones, merged?.notes ?? d.notes));
    }
  }

  /**
   * Streaming with logs: the log sub-phases of the requests handed out now, placed with the
   * clock estimates of what has been seen so far (finish() places them again with all of it).
   * The drafts are not changed: finish() merges the logs into them once.
   */
  private provisionalLogMerge(ready: { model: PhaseModel; id: string; d: { milestones: MilestoneSet; notes: string[] } }[]): Map<string, LogTarget> {
    const input = this.logInput();
    if (!input) return new Map();
    for (const r of ready) this.emittedDrafts.push({ vim: r.model.vim, id: r.id, milestones: r.d.milestones, notes: r.d.notes });
    const clocks = { ...this.captureClocks, ...this.nova.clocks(), ...this.nomad.clocks };
    return provisionalLogTargets(input, this.emittedDrafts, new Set(ready.map((r) => r.id)), clocks);
  }

  /** What every log merge reads, when there are logs. */
  private logInput(): LogMergeInput | null {
    const logs = this.options.logs;
    return logs?.length ? { logs, clock: this.clock, clockOffsets: this.options.clockOffsets } : null;
  }

  /** Digits of the timestamps read so far (6 for µs, 9 for ns), for printing times. */
  timeDigits(): number {
    return Math.max(6, ...this.captures.map((c) => c.summary.tsPrecision), ...this.reading.map((s) => s.tsPrecision));
  }

  /**
   * Live (released requests): the logs so far merged into the drafts about to be handed out
   * themselves, as finish() no longer sees them; the last 200 released requests join as more
   * constraints on each host's clock (a bound, where provisionalLogMerge keeps every draft).
   * Warnings wait for finish().
   */
  private mergeLogsLive(ready: { model: PhaseModel; id: string; d: { milestones: MilestoneSet; notes: string[] } }[]): Map<string, LogTarget> {
    const input = this.logInput();
    if (!input) return new Map();
    const targets: LogTarget[] = [
      ...this.released.slice(-200).map((r) => ({ vim: r.model.vim, id: r.id, milestones: r.milestones, notes: r.notes })),
      ...ready.map((r) => ({ vim: r.model.vim, id: r.id, milestones: r.d.milestones, notes: r.d.notes })),
    ];
    mergeLogsInto(input, targets, { ...this.captureClocks, ...this.nova.clocks(), ...this.nomad.clocks });
    return new Map();
  }

  /** Feed one packet record (live capture uses this directly). */
  record(decoder: PacketDecoder, r: PacketRecord): void {
    this.frameIndex?.packet(r.ts, r.frame);
    decoder.record(r);
    this.tick(r.ts);
  }

  newPacketDecoder(): PacketDecoder {
    return new PacketDecoder((conn) => {
      const h = new SniffingHandler(conn, (p, c) => this.parserFor(p, c));
      return this.frameIndex ? this.frameIndex.noting(conn.id, h) : h;
    }, {
      limits: this.options.reassembly,
      budget: byteBudget(this.ctx),
      senderRole,
      onNetWarning: (w) => {
        this.warn(w.message);
        if (w.limit && w.ts !== undefined && this.limitHits.length < 1000) this.limitHits.push({ ts: w.ts, limit: w.limit, message: w.message });
      },
    });
  }

  async addCapture(source: CaptureSource): Promise<CaptureRecord> {
    const decoder = this.newPacketDecoder();
    const summary = await readCapture(source, (r) => this.record(decoder, r), {
      clock: this.clock,
      onWarning: (w) => this.warn(w.message),
      onProgress: this.options.onProgress,
      onStart: (s) => this.reading.push(s),
      signal: this.options.signal,
    });
    decoder.end();
    const rec = { file: captureSourceName(source), summary, net: decoder.counters, vantage: inferVantage(decoder.tcp.connections()) };
    this.captures.push(rec);
    return rec;
  }

  /**
   * Several captures of one experiment: merged on the first one's clock, each TCP segment
   * once; the other captures' offsets go into the result's clocks.
   */
  async addCaptures(sources: CaptureSource[]): Promise<void> {
    if (sources.length === 1) {
      await this.addCapture(sources[0]);
      return;
    }
    this.frameIndex = null;
    const loaded = [];
    for (const s of sources) loaded.push(await loadCapture(s, this.clock, (w) => this.warn(w.message), this.options.signal));
    const merged = mergeLoaded(loaded);
    for (const w of merged.warnings) this.warn(w);
    Object.assign(this.captureClocks, merged.offsets);
    const decoder = this.newPacketDecoder();
    for (const r of merged.records) this.record(decoder, r);
    decoder.end();
    const net = { ...decoder.counters, mergedDuplicates: merged.duplicates };
    for (const c of loaded) this.captures.push({ file: c.file, summary: c.summary, net, vantage: c.vantage });
  }

  /** Live: what the service exports while running (requests still open, messages decoded, requests given up). */
  liveCounts(): { open: Record<Vim, number>; givenUp: number; forgotten: number } {
    return { open: { nova: this.nova.requests.size, nomad: this.nomad.openCount }, givenUp: this.evicted, forgotten: this.forgotten };
  }

  /** Record a capture fed packet by packet (live). */
  addLiveCapture(file: string, summary: CaptureSummary, net: NetCounters, connections: readonly ConnectionStats[]): void {
    this.captures.push({ file, summary, net, vantage: inferVantage(connections) });
  }

  finish(): SessionOutput {
    this.proxy.end();
    // Those waiting out the log grace time go out now, with the logs read so far.
    this.emitComplete(this.now, true);
    if (this.wants('nova')) for (const ev of this.oslo.end()) this.onNovaRpc(ev);
    const novaDrafts = this.nova.end();
    const nomadDrafts = this.nomad.end();
    const clocks: Record<string, ClockEstimate> = { ...this.captureClocks, ...this.nova.clocks(), ...this.nomad.clocks };
    let logFiles: ResultCounters['logs'] = [];
    const input = this.logInput();
    if (input) {
      const targets: LogTarget[] = [
        // Live: the released requests' log milestones are set already (kept), but they bound the clocks.
        ...this.released.map((r) => ({ vim: r.model.vim, id: r.id, milestones: r.milestones, notes: r.notes })),
        ...novaDrafts.map((d) => ({ vim: 'nova' as const, id: d.keys.server!, milestones: d.milestones, notes: d.notes })),
        ...nomadDrafts.map((d) => ({ vim: 'nomad' as const, id: d.keys.alloc!, milestones: d.milestones, notes: d.notes })),
      ];
      const merged = finalLogMerge(input, targets, clocks);
      for (const w of merged.warnings) this.warn(w);
      logFiles = merged.files;
    }
    // Released requests were handed out with the clock estimate of that moment: place
    // their host-clock milestones again with the final one.
    for (const r of this.released) {
      for (const [name, m] of r.milestones) {
        const c = clocks[m.host];
        if (m.source === 'client-clock' && m.rawT !== undefined && c) r.milestones.set(name, { ...m, t: m.rawT - c.offsetMs * 1e6 });
      }
    }
    const requests: RequestTimeline[] = this.released.map((r) => timelineOf(r.model, r.id, r.keys, r.milestones, r.notes));
    const vims: Vim[] = [...new Set(requests.map((r) => r.vim))];
    if (this.forgotten) {
      const bound = this.options.retainReleasedNs === undefined ? `more than ${maxRetainedRequests} kept` : `handed out more than ${this.options.retainReleasedNs / 1e9} s before the end, or more than ${maxRetainedRequests}`;
      this.warn(`${this.forgotten} early requests were reported and then dropped from the final result (${bound})`);
    }
    for (const d of novaDrafts) requests.push(timelineOf(novaPhaseModel, d.keys.server!, d.keys, d.milestones, d.notes));
    if (novaDrafts.length && !vims.includes('nova')) vims.push('nova');
    for (const d of nomadDrafts) requests.push(timelineOf(nomadPhaseModel, d.keys.alloc!, d.keys, d.milestones, d.notes));
    if (nomadDrafts.length && !vims.includes('nomad')) vims.push('nomad');
    requests.sort((a, b) => a.startNs - b.startNs);
    for (const w of noteLimitHits(requests, this.limitHits, (ns) => this.clock.iso(ns))) this.warn(w);
    if (this.options.onRequest) for (const r of requests) if (!this.emittedIds.has(r.id)) this.options.onRequest(r);
    this.messages.sortByTime();
    if (this.firstDroppedMessage !== null) this.warn(droppedMessagesWarning(requests, this.firstDroppedMessage, this.messages, (ns) => this.clock.iso(ns)));
    return {
      clock: this.clock,
      captures: this.captures,
      messages: this.messages,
      requests,
      vims,
      clocks,
      counters: {
        capture: this.captures.map((c) => c.summary.counters),
        net: this.captures.map((c) => c.net),
        protocols: this.counters,
        oslo: this.oslo.counters,
        proxy: { ...this.proxy.counters, backendLegsOfEncryptedCalls: this.backendLegsOfEncryptedCalls },
        messages: this.seen,
        logs: logFiles,
        warnings: this.warningCount,
        requestsGivenUp: this.evicted,
        messagesNotKept: this.messages.dropped,
      },
      warnings: this.warnings,
      tls: this.tls,
    };
  }
}

function timelineOf(model: PhaseModel, id: string, keys: RequestKeys, milestones: MilestoneSet, notes: string[]): RequestTimeline {
  const built = buildPhases(model, milestones);
  const times = [...milestones.values()].map((m) => m.t);
  return {
    vim: model.vim, id, keys: { ...keys }, complete: built.complete, missing: built.missing,
    phases: built.phases, absent: built.absent, startNs: times.length ? Math.min(...times) : 0, notes: [...notes],
  };
}

/** Nova keeps only the bodies it reads; Nomad's API (its ports or /v1/ paths) keeps them, bounded. */
function bodyFilter(conn: ConnectionInfo, nomadApiPorts: ReadonlySet<number>): (head: HttpHeadInfo) => boolean {
  const nova = novaBodyFilter(conn);
  return (head) => ((nomadApiPorts.has(conn.server.port) || (head.target?.startsWith('/v1/') ?? false)) && nomadKeepsBody(head)) || nova(head);
}
