/**
 * `vim-analyse live`: libpcap → the same AnalysisSession as offline analysis. Each request
 * is handed out as it completes, a rolling summary every N seconds, and on stop the final
 * result (and the capture file closed cleanly). State of reported requests is released,
 * so memory stays bounded over hours.
 */
import { emptySummary } from '../capture/captureDecoder.js';
import { AnalysisSession, type SessionOptions } from '../pipeline/analysisSession.js';
import { requestToResult, toResult } from '../pipeline/analyse.js';
import type { AnalysisResult, ResultRequest } from '../pipeline/types.js';
import { phaseStats } from '../stats/phaseStats.js';
import type { StatsByVim } from '../stats/types.js';
import type { RequestTimeline } from '../timeline/types.js';
import { LibpcapSource } from './libpcapSource.js';
import { PcapngWriter } from './pcapngWriter.js';
import type { LiveOptions, LiveStats } from './types.js';

export interface LiveRunOptions extends LiveOptions, Pick<SessionOptions, 'vim' | 'clockOffsets' | 'limits' | 'reassembly'> {
  /** Also write every captured packet here (pcapng, ns). */
  write?: string;
  /** Rolling summary period, seconds (0: none). */
  summaryEverySec?: number;
  onRequest(r: ResultRequest): void;
  onSummary?(stats: StatsByVim, requests: number): void;
  /** Called once capture has started. */
  onStart?(linkType: number): void;
  signal: AbortSignal;
}

export async function runLive(opts: LiveRunOptions): Promise<{ result: AnalysisResult; live: LiveStats }> {
  const reported: RequestTimeline[] = [];
  const session: AnalysisSession = new AnalysisSession({
    vim: opts.vim,
    clockOffsets: opts.clockOffsets,
    limits: opts.limits,
    reassembly: opts.reassembly,
    keepMessages: false,
    releaseEmitted: true,
    onRequest: (r) => {
      reported.push(r);
      opts.onRequest(requestToResult(r, session.clock, 9));
    },
  });
  const decoder = session.newPacketDecoder();
  const source = new LibpcapSource(opts);
  const writer = opts.write ? new PcapngWriter(opts.write, session.clock, () => source.linkType, opts.snaplen) : null;
  const summary = emptySummary();
  summary.format = 'live';
  summary.tsPrecision = 9;
  source.start(session.clock, (r) => {
    summary.packets++;
    summary.capturedBytes += r.bytes.length;
    if (summary.firstTs === null) summary.firstTs = r.ts;
    summary.lastTs = r.ts;
    writer?.write(r);
    session.record(decoder, r);
  });
  summary.interfaces.push({ linkType: source.linkType, snaplen: opts.snaplen ?? 262144, tsUnitsPerSec: 1e9, name: opts.iface });
  opts.onStart?.(source.linkType);

  // Requests complete when their last message arrives; a timer hands them out even when
  // no further packet follows.
  let lastSummary = Date.now();
  const timer = setInterval(() => {
    if (session.clock.epochNs !== null) session.poll(session.clock.relativeFromUnixNs(BigInt(Date.now()) * 1_000_000n));
    const every = (opts.summaryEverySec ?? 0) * 1000;
    if (every > 0 && Date.now() - lastSummary >= every) {
      lastSummary = Date.now();
      opts.onSummary?.(phaseStats(reported), reported.length);
    }
  }, 250);

  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    else opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(timer);
  source.stop();
  decoder.end();
  await writer?.close();
  session.addLiveCapture(`live:${opts.iface}`, summary, decoder.counters, decoder.tcp.connections());
  const out = session.finish();
  const result = toResult(out);
  const live = source.stats;
  if (live.ifaceDrops) result.warnings.push(`${opts.iface} dropped ${live.ifaceDrops} received packets during the session: requests in flight then may be incomplete or approx`);
  if (decoder.counters.gaps) result.warnings.push(`${decoder.counters.gaps} TCP gaps (${decoder.counters.gapBytes} bytes never captured): requests in flight then may be incomplete or approx`);
  result.counters.live = live;
  return { result, live };
}
