/**
 * One analysis: captures in, messages and request timelines out. Wires the stages —
 * net (reassembly) → protocols (parser chosen per connection by port and first bytes) →
 * dissectors (Nova, Nomad) → timeline correlators — and gathers every stage's counters
 * and warnings. The offline commands, the streaming API and live capture all use it.
 * Which parser and which VIM each connection and exchange go to is `MessageRouter`'s.
 *
 * Streaming: with `onRequest`, each request is handed out as soon as its phases are
 * complete (checked once per second of capture time, by `RequestHandOut`); `finish()` then
 * hands out the rest and returns the authoritative result, computed with everything seen.
 */
import { captureSourceName, readCapture, type CaptureSource } from '../capture/readCapture.js';
import type { ResultCounters } from '../result/types.js';
import { SessionClock } from '../capture/sessionClock.js';
import type { CaptureSummary, PacketRecord } from '../capture/types.js';
import { PacketDecoder } from '../net/packetDecoder.js';
import type { ConnectionStats, NetCounters } from '../net/types.js';
import { senderRole } from '../protocols/guessProtocol.js';
import { SniffingHandler } from '../protocols/sniffingHandler.js';
import { byteBudget } from '../protocols/byteBudget.js';
import { count, defaultProtocolLimits, type ProtocolContext, type ProtocolCounters } from '../protocols/types.js';
import { withDefaults } from '../net/withDefaults.js';
import { OsloCorrelator } from '../dissectors/nova/osloCorrelator.js';
import type { Vim } from '../dissectors/types.js';
import { FrameIndex } from './frameIndex.js';
import { inferVantage } from './vantage.js';
import { loadCapture, mergeLoaded } from './mergeCaptures.js';
import { finalLogMerge, type LogMergeInput } from './sessionLogs.js';
import type { LogTarget } from '../timeline/types.js';
import { defaultMaxOpenRequests } from '../timeline/openRequestLimit.js';
import { NomadCorrelator } from '../timeline/nomadCorrelator.js';
import { NovaCorrelator } from '../timeline/novaCorrelator.js';
import { nomadPhaseModel, novaPhaseModel } from '../timeline/phaseModel.js';
import type { ClockEstimate, RequestTimeline } from '../timeline/types.js';
import { droppedMessagesWarning, noteLimitHits, type LimitHit } from './limitNotes.js';
import { MessageRouter } from './messageRouter.js';
import { readCaptureInWorkers } from './parallelCapture.js';
import { RequestHandOut, timelineOf } from './requestHandOut.js';
import type { CaptureRecord, SessionOptions, SessionOutput } from './sessionOptions.js';

export type { CaptureRecord, SessionOptions, SessionOutput };

/** How often (capture time) the streaming check runs. */
const tickNs = 1e9;
/** Offline: an oslo message is complete this long after its last sighting, a call's reply waited for this long. */
const offlineSettleNs = 60e9;
const offlineMaxWaitNs = 600e9;
const offlineDrainEveryNs = 10e9;

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
  private readonly router: MessageRouter;
  private readonly handOut: RequestHandOut;
  private lastTick = Number.NEGATIVE_INFINITY;
  private lastOfflineDrain = Number.NEGATIVE_INFINITY;
  /** Capture time of the last poll. */
  private now = 0;
  private evicted = 0;
  /** Limits hit while reading (the requests in flight then are named at finish). */
  private readonly limitHits: LimitHit[] = [];
  /** Offsets of the second and later captures against the first. */
  private readonly captureClocks: Record<string, ClockEstimate> = {};
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
    const max = options.maxOpenRequests ?? defaultMaxOpenRequests;
    const limit = {
      max,
      onEvict: (id: string) => {
        this.evicted++;
        if (this.evicted <= 20) this.warn(`open-request limit (${max}) reached: request ${id} given up, incomplete`);
      },
    };
    this.nomad = new NomadCorrelator(this.clock, options.clockOffsets, limit);
    this.nova = new NovaCorrelator(this.clock, limit);
    this.router = new MessageRouter(
      options,
      this.ctx,
      { oslo: this.oslo, nova: this.nova, nomad: this.nomad },
      (conn, t) => this.frameIndex?.frameOf(conn, t),
    );
    this.handOut = new RequestHandOut(options, {
      nova: this.nova,
      nomad: this.nomad,
      logInput: () => this.logInput(),
      clocks: () => this.clocksSoFar(),
    });
  }

  warn(message: string): void {
    this.warningCount++;
    if (this.warnings.length < (this.options.maxWarnings ?? 200)) this.warnings.push(message);
  }

  /** Per packet time: every second of capture time, hand out what completed. */
  private tick(now: number): void {
    if (now - this.lastTick < tickNs) return;
    this.poll(now);
  }

  /** Hand out what completed by capture time `now` (live calls it on a timer too). */
  poll(now: number): void {
    this.router.tick(now);
    this.lastTick = now;
    this.now = now;
    if (!this.options.onRequest) {
      // Offline, nothing is handed out early, but oslo sightings still leave the correlator
      // once settled: kept to the end they grew with the capture's length (every message
      // of an hour of Nova). The settle time is long enough for a message to wait in a queue.
      if (this.router.wants('nova') && now - this.lastOfflineDrain >= offlineDrainEveryNs) {
        // Each drain walks every sighting held: every 10 s is plenty with a 60 s settle time.
        this.lastOfflineDrain = now;
        for (const ev of this.oslo.drain(now, offlineSettleNs, offlineMaxWaitNs)) this.router.novaRpc(ev);
      }
      return;
    }
    for (const ev of this.oslo.drain(now)) this.router.novaRpc(ev);
    this.handOut.handOut(now);
  }

  /** The clock estimates of what has been seen so far (every capture's and host's). */
  private clocksSoFar(): Record<string, ClockEstimate> {
    return { ...this.captureClocks, ...this.nova.clocks(), ...this.nomad.clocks };
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

  /** Feed one packet record (live capture uses this directly). */
  record(decoder: PacketDecoder, r: PacketRecord): void {
    this.frameIndex?.packet(r.ts, r.frame);
    decoder.record(r);
    this.tick(r.ts);
  }

  newPacketDecoder(): PacketDecoder {
    return new PacketDecoder(
      (conn) => {
        const h = new SniffingHandler(conn, (p, c) => this.router.parserFor(p, c));
        return this.frameIndex ? this.frameIndex.noting(conn.id, h) : h;
      },
      {
        limits: this.options.reassembly,
        budget: byteBudget(this.ctx),
        senderRole,
        onNetWarning: (w) => this.onNetWarning(w),
      },
    );
  }

  private onNetWarning(w: { message: string; limit?: string; ts?: number }): void {
    this.warn(w.message);
    if (w.limit && w.ts !== undefined && this.limitHits.length < 1000)
      this.limitHits.push({ ts: w.ts, limit: w.limit, message: w.message });
  }

  async addCapture(source: CaptureSource): Promise<CaptureRecord> {
    const workers = this.options.workers ?? 1;
    // Each worker reads the file: not for a stream, nor where the session keeps per-packet state (frames) or TLS
    // secrets.
    if (workers > 1 && typeof source === 'string' && source !== '-' && !this.frameIndex && !this.options.tlsKeyLog)
      return this.addCaptureInWorkers(source, workers);
    const decoder = this.newPacketDecoder();
    const summary = await readCapture(source, (r) => this.record(decoder, r), {
      clock: this.clock,
      onWarning: (w) => this.warn(w.message),
      onProgress: this.options.onProgress,
      onStart: (s) => this.reading.push(s),
      signal: this.options.signal,
    });
    decoder.end();
    const rec = {
      file: captureSourceName(source),
      summary,
      net: decoder.counters,
      vantage: inferVantage(decoder.tcp.connections()),
    };
    this.captures.push(rec);
    return rec;
  }

  /** One capture file parsed by `workers` threads (parallelCapture.ts): the same result as addCapture. */
  private async addCaptureInWorkers(path: string, workers: number): Promise<CaptureRecord> {
    const o = this.options;
    const parallel = {
      workers,
      vim: o.vim,
      nomadApiPorts: o.nomadApiPorts,
      limits: o.limits,
      reassembly: o.reassembly,
      signal: o.signal,
    };
    const done = await readCaptureInWorkers(path, parallel, this.clock, {
      http: (ex, dissected) => this.router.dissectedExchange(ex, dissected),
      amqp: (m, pre) => this.oslo.message(m, pre),
      nomadRpc: (ev) => this.router.onNomadRpc(ev),
      warn: (message) => this.warn(message),
      netWarning: (w) => this.onNetWarning(w),
      counterKey: (group, name) => count(this.counters, group, name, 0),
      tls: (summary) => this.router.noteTls(summary),
      poll: (now) => this.poll(now),
      progress: (bytesRead) => o.onProgress?.(bytesRead),
      start: (summary) => this.reading.push(summary),
    });
    for (const totals of done.counters)
      for (const [group, byName] of Object.entries(totals))
        for (const [name, n] of Object.entries(byName)) count(this.counters, group, name, n);
    const rec = { file: path, summary: done.summary, net: done.net, vantage: done.vantage };
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
    for (const s of sources)
      loaded.push(await loadCapture(s, this.clock, (w) => this.warn(w.message), this.options.signal));
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
    return {
      open: { nova: this.nova.requests.size, nomad: this.nomad.openCount },
      givenUp: this.evicted,
      forgotten: this.handOut.forgotten,
    };
  }

  /** Record a capture fed packet by packet (live). */
  addLiveCapture(
    file: string,
    summary: CaptureSummary,
    net: NetCounters,
    connections: readonly ConnectionStats[],
  ): void {
    this.captures.push({ file, summary, net, vantage: inferVantage(connections) });
  }

  finish(): SessionOutput {
    this.router.end();
    // Those waiting out the log grace time go out now, with the logs read so far.
    this.handOut.handOut(this.now, true);
    if (this.router.wants('nova')) for (const ev of this.oslo.end()) this.router.novaRpc(ev);
    const novaDrafts = this.nova.end();
    const nomadDrafts = this.nomad.end();
    const clocks = this.clocksSoFar();
    let logFiles: ResultCounters['logs'] = [];
    const input = this.logInput();
    if (input) {
      const targets: LogTarget[] = [
        ...this.handOut.releasedTargets(),
        ...novaDrafts.map((d) => ({
          vim: 'nova' as const,
          id: d.keys.server!,
          milestones: d.milestones,
          notes: d.notes,
        })),
        ...nomadDrafts.map((d) => ({
          vim: 'nomad' as const,
          id: d.keys.alloc!,
          milestones: d.milestones,
          notes: d.notes,
        })),
      ];
      const merged = finalLogMerge(input, targets, clocks);
      for (const w of merged.warnings) this.warn(w);
      logFiles = merged.files;
    }
    const requests: RequestTimeline[] = this.handOut.releasedTimelines(clocks);
    const vims: Vim[] = [...new Set(requests.map((r) => r.vim))];
    const forgotten = this.handOut.forgottenWarning();
    if (forgotten) this.warn(forgotten);
    for (const d of novaDrafts)
      requests.push(timelineOf(novaPhaseModel, d.keys.server!, d.keys, d.milestones, d.notes));
    if (novaDrafts.length && !vims.includes('nova')) vims.push('nova');
    for (const d of nomadDrafts)
      requests.push(timelineOf(nomadPhaseModel, d.keys.alloc!, d.keys, d.milestones, d.notes));
    if (nomadDrafts.length && !vims.includes('nomad')) vims.push('nomad');
    requests.sort((a, b) => a.startNs - b.startNs);
    for (const w of noteLimitHits(requests, this.limitHits, (ns) => this.clock.iso(ns))) this.warn(w);
    this.handOut.handOutRest(requests);
    const messages = this.router.messages;
    messages.sortByTime();
    const firstDropped = this.router.firstDroppedMessage;
    if (firstDropped !== null)
      this.warn(droppedMessagesWarning(requests, firstDropped, messages, (ns) => this.clock.iso(ns)));
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
        oslo: this.oslo.counters,
        proxy: this.router.proxyCounters(),
        messages: this.router.seen,
        logs: logFiles,
        warnings: this.warningCount,
        requestsGivenUp: this.evicted,
        messagesNotKept: messages.dropped,
      },
      warnings: this.warnings,
      tls: this.router.tls,
    };
  }
}
