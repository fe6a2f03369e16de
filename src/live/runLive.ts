/**
 * `vim-analyse live`: libpcap → the same AnalysisSession as offline analysis. Each request
 * is handed out as it completes, a rolling summary every N seconds, and on stop the final
 * result (and the capture file closed cleanly). State of reported requests is released,
 * so memory stays bounded over hours.
 *
 * Packets the capture ring dropped are a warning in the result and a note on each request
 * they may have touched (see dropWindows.ts). A completed request is handed out at the
 * next poll of the counters (≤ 250 ms later), so that a drop that happened while it was
 * in flight is already counted.
 */
import { createHash } from 'node:crypto';
import { emptySummary } from '../capture/captureDecoder.js';
import { AnalysisSession, type SessionOptions } from '../pipeline/analysisSession.js';
import { requestToResult, toResult } from '../pipeline/analyse.js';
import { provisionalPhases } from '../pipeline/analyseStream.js';
import type { AnalysisResult, RequestEvent, ResultRequest, UpdateEvent } from '../result/types.js';
import { phaseStats } from '../stats/phaseStats.js';
import { roundDurations } from '../stats/roundMs.js';
import type { StatsByVim } from '../stats/types.js';
import type { RequestTimeline } from '../timeline/types.js';
import { DropNotes } from './dropNotes.js';
import { LibpcapSource, liveFilterFor } from './libpcapSource.js';
import { LiveMetrics } from './liveMetrics.js';
import { LogFollower } from './logFollower.js';
import { MetricsServer } from './metricsServer.js';
import { OtlpPush } from './otlpPush.js';
import { discardCaptureFile, openCaptureFile, PcapngWriter } from './pcapngWriter.js';
import type { LiveOptions, LiveStats } from './types.js';

export interface LiveRunOptions
  extends LiveOptions, Pick<SessionOptions, 'vim' | 'nomadApiPorts' | 'clockOffsets' | 'limits' | 'reassembly'> {
  /** Also write every captured packet here (pcapng, ns). */
  write?: string;
  /** Replace an existing `write` file (it is never opened through a symbolic link). */
  force?: boolean;
  /** Rolling summary period, seconds (0: none). */
  summaryEverySec?: number;
  /** Serve Prometheus metrics on this ADDR:PORT (GET /metrics) while capturing. */
  metrics?: string;
  /** Compute-host logs to follow as they grow (`[HOST=]PATH`, tail -F). */
  logs?: string[];
  /** Push each handed-out request's spans to this OTLP/HTTP traces URL. */
  otlpEndpoint?: string;
  /** Service notices (OTLP endpoint failing, recovered), for the operator's log. */
  onNotice?: (text: string) => void;
  /** Called once the metrics endpoint listens, with the port bound. */
  onMetricsListening?(port: number): void;
  /**
   * Requests are kept in memory (for rolling summaries and the final result) this long
   * after they were handed out; default: for the whole session (up to 100,000).
   */
  retainSec?: number;
  /** Each request as it completes, as analyseStream hands it out (`provisional`: the phases that may still move). */
  onRequest(e: RequestEvent): void;
  /** At the stop, before the result: each handed-out request whose final form differs (as analyseStream's `update`). */
  onUpdate?(e: UpdateEvent): void;
  onSummary?(stats: StatsByVim, requests: number, live: LiveStats): void;
  /** Called once capture has started. */
  onStart?(linkType: number): void;
  signal: AbortSignal;
}

/** With logs followed, how long a complete request waits for its compute host's last lines. */
const logGraceMs = 2000;
/** Handed-out requests kept for the rolling summary without --retain (as the session keeps for the result). */
const maxReported = 100_000;

export async function runLive(opts: LiveRunOptions): Promise<{ result: AnalysisResult; live: LiveStats }> {
  const retainNs = opts.retainSec === undefined ? undefined : opts.retainSec * 1e9;
  /** Handed out, for the rolling summary: within the retention window. */
  const reported: { r: RequestTimeline; at: number }[] = [];
  /** A digest of each retained request as handed out, to tell at the stop whether its final form differs. */
  const handedOut = new Map<string, string>();
  const digest = (r: ResultRequest) => createHash('sha1').update(JSON.stringify(r)).digest('base64');
  let reportedCount = 0;
  const metrics = opts.metrics === undefined ? null : new LiveMetrics({ interface: opts.iface });
  const metricsServer = metrics ? await MetricsServer.listen(opts.metrics!, metrics.registry) : null;
  let writeFd: number | null;
  try {
    writeFd = opts.write ? openCaptureFile(opts.write, opts.force) : null;
  } catch (e) {
    await metricsServer?.close();
    throw e;
  }
  if (metricsServer) opts.onMetricsListening?.(metricsServer.port);
  const followers = (opts.logs ?? []).map((spec) => new LogFollower(spec, (text) => opts.onNotice?.(text)));
  const followedLogs = followers.map((f) => f.poll());
  const readLogs = () => {
    followers.forEach((f, i) => {
      followedLogs[i] = f.poll();
      // Log events live as long as the requests they could join (10 min without --retain).
      f.prune(BigInt(Date.now() - 1000 * (opts.retainSec ?? 600) - 60_000) * 1_000_000n);
    });
  };
  const otlp =
    opts.otlpEndpoint === undefined ? null : new OtlpPush({ url: opts.otlpEndpoint, onNotice: opts.onNotice });
  const report = (r: RequestTimeline) => {
    reportedCount++;
    const at = session.clock.epochNs === null ? 0 : session.clock.relativeFromUnixNs(BigInt(Date.now()) * 1_000_000n);
    reported.push({ r, at });
    while (
      reported.length > maxReported ||
      (retainNs !== undefined && reported.length && at - reported[0].at > retainNs)
    )
      handedOut.delete(reported.shift()!.r.id);
    const out = requestToResult(r, session.clock, 9);
    handedOut.set(out.id, digest(out));
    metrics?.observeRequest(out);
    otlp?.push(out);
    opts.onRequest({ type: 'request', request: out, provisional: provisionalPhases(out, followers.length > 0) });
  };
  /** Completed, waiting for the next read of the drop counters. */
  let completed: RequestTimeline[] = [];
  const handOut = () => {
    for (const r of completed) {
      dropNotes.handOut(r);
      report(r);
    }
    completed = [];
  };
  const session: AnalysisSession = new AnalysisSession({
    vim: opts.vim,
    nomadApiPorts: opts.nomadApiPorts,
    clockOffsets: opts.clockOffsets,
    limits: opts.limits,
    reassembly: opts.reassembly,
    keepMessages: false,
    releaseEmitted: true,
    retainReleasedNs: retainNs,
    logs: followedLogs,
    logGraceNs: followers.length ? logGraceMs * 1e6 : 0,
    onRequest: (r) => completed.push(r),
  });
  const decoder = session.newPacketDecoder();
  const source = new LibpcapSource({ ...opts, filter: opts.filter ?? liveFilterFor(opts.nomadApiPorts) });
  const dropNotes = new DropNotes(source.dropWindows, session.clock);
  const writer =
    writeFd !== null ? new PcapngWriter(writeFd, session.clock, () => source.linkType, opts.snaplen) : null;
  const updateMetrics = () => {
    if (!metrics) return;
    const { open, givenUp } = session.liveCounts();
    metrics.update({
      live: source.stats,
      protocols: session.counters,
      net: decoder.counters,
      open,
      givenUp,
      otlpDropped: otlp?.stats.dropped ?? null,
    });
  };
  const summary = emptySummary();
  summary.format = 'live';
  summary.tsPrecision = 9;
  try {
    source.start(session.clock, (r) => {
      summary.packets++;
      summary.capturedBytes += r.bytes.length;
      if (summary.firstTs === null) summary.firstTs = r.ts;
      summary.lastTs = r.ts;
      writer?.write(r);
      session.record(decoder, r);
    });
  } catch (e) {
    await metricsServer?.close();
    if (writeFd !== null) discardCaptureFile(writeFd, opts.write!);
    await otlp?.close(0);
    throw e;
  }
  summary.interfaces.push({
    linkType: source.linkType,
    snaplen: opts.snaplen ?? 262144,
    tsUnitsPerSec: 1e9,
    name: opts.iface,
  });
  opts.onStart?.(source.linkType);

  // Requests complete when their last message arrives; a timer hands them out even when
  // no further packet follows.
  let lastSummary = Date.now();
  const timer = setInterval(() => {
    // Counters first: what the poll hands out ended before this read.
    const live = source.readCounters();
    // Log lines before the poll: a request handed out now finds its markers.
    readLogs();
    if (session.clock.epochNs !== null) session.poll(session.clock.relativeFromUnixNs(BigInt(Date.now()) * 1_000_000n));
    handOut();
    updateMetrics();
    const every = (opts.summaryEverySec ?? 0) * 1000;
    if (every > 0 && Date.now() - lastSummary >= every) {
      lastSummary = Date.now();
      // Rounded like the result's statistics (ms to the ns).
      opts.onSummary?.(roundDurations(phaseStats(reported.map((x) => x.r))), reportedCount, live);
    }
  }, 250);

  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    else opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(timer);
  source.stop();
  decoder.end();
  readLogs();
  for (const f of followers) f.close();
  // The counters are final: hand out what completed since the last poll.
  handOut();
  await writer?.close();
  session.addLiveCapture(`live:${opts.iface}`, summary, decoder.counters, decoder.tcp.connections());
  // finish() hands out the requests still open (into `completed`: the same objects as in
  // out.requests) and rebuilds those handed out before: note them all once, then hand out.
  const out = session.finish();
  const noted = dropNotes.final(out.requests, new Set(completed));
  for (const r of completed) report(r);
  completed = [];
  // The last spans get a few seconds to leave; what cannot is counted as dropped.
  const otlpStats = otlp ? await otlp.close(5000) : null;
  updateMetrics();
  await metricsServer?.close();
  const result = toResult(out);
  for (const request of result.requests) {
    const early = handedOut.get(request.id);
    if (early !== undefined && early !== digest(request)) opts.onUpdate?.({ type: 'update', request });
  }
  const live = source.stats;
  if (live.pcapDrops) {
    result.warnings.push(
      `libpcap/kernel dropped ${live.pcapDrops} of the ${live.pcapReceived} packets matching the capture ` +
        `filter (capture ring full; a larger --buffer-size or a narrower --bpf helps): ` +
        `${noted} request${noted === 1 ? '' : 's'} in flight then may be incomplete or approx (each has a note)`,
    );
  }
  if (live.pcapDrops === null)
    result.warnings.push(
      `packets dropped in the capture ring are not known: ${live.pcapUnavailable ?? 'no counters read'}`,
    );
  if (live.ifaceDrops)
    result.warnings.push(
      `${opts.iface} dropped ${live.ifaceDrops} received packets during the session: requests in flight then ` +
        `may be incomplete or approx`,
    );
  if (decoder.counters.gaps)
    result.warnings.push(
      `${decoder.counters.gaps} TCP gaps (${decoder.counters.gapBytes} bytes never captured): requests in ` +
        `flight then may be incomplete or approx`,
    );
  if (otlpStats?.dropped)
    result.warnings.push(
      `OTLP push dropped ${otlpStats.dropped} spans (endpoint down longer than its queue could hold, or ` +
        `rejecting; last error: ${otlpStats.lastError ?? 'none'})`,
    );
  result.counters.live = {
    ...live,
    ...(otlpStats ? { otlp: otlpStats } : {}),
    ...(followers.length
      ? { logs: followers.map((f) => ({ file: f.path, ...f.counts, lines: f.parsed.counters.lines })) }
      : {}),
  };
  return { result, live };
}
