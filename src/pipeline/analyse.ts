/**
 * The library's main entry: captures in, the result contract (DESIGN.md) out.
 */
import type { CaptureSource } from '../capture/readCapture.js';
import type { SessionClock } from '../capture/sessionClock.js';
import type { VimMessage } from '../dissectors/types.js';
import { phaseStats } from '../stats/phaseStats.js';
import { roundDurations, roundMs } from '../stats/roundMs.js';
import type { RequestTimeline } from '../timeline/types.js';
import { AnalysisSession, type SessionOptions, type SessionOutput } from './analysisSession.js';
import { readLog } from '../logs/readLog.js';
import type {
  AnalysisResult,
  MessageLine,
  PhaseAvailability,
  ResultRequest,
  ResultRequestList,
} from '../result/types.js';
import { nomadLogPhases, novaLogPhases, phaseModels } from '../timeline/phaseModel.js';

/** Phases timed by log markers: a capture's vantage point says nothing about them. */
const logPhaseNames: ReadonlySet<string> = new Set([...novaLogPhases, ...nomadLogPhases]);
import { diagnose } from '../diagnosis/index.js';
import { messageRequests } from './messageRequests.js';
import { readTlsKeyLog } from '../protocols/tls/keyLog.js';
import { hidingConnections, tlsAbsentReasons, tlsResult } from './tlsHidden.js';

export interface AnalyseOptions extends SessionOptions {
  /** Compute-host log files to merge, `[HOST=]PATH` (gzip accepted). */
  logFiles?: string[];
  /** NSS key log file (SSLKEYLOGFILE) to open TLS connections with; its content is never printed. */
  tlsKeyLogFile?: string;
}

/** Digits of the capture's timestamps (6 for µs, 9 for ns), for printing times. */
function precisionOf(out: SessionOutput): number {
  return Math.max(6, ...out.captures.map((c) => c.summary.tsPrecision));
}

export function requestToResult(r: RequestTimeline, clock: SessionClock, digits: number): ResultRequest {
  const phases: ResultRequest['phases'] = {};
  // One string per instant: a phase's end is the next one's start.
  const instants = new Map<number, string>(),
    unixNs = new Map<number, string>();
  const iso = (ns: number): string => {
    let s = instants.get(ns);
    if (s === undefined) instants.set(ns, (s = clock.iso(ns, digits)));
    return s;
  };
  const unix = (ns: number): string => {
    let s = unixNs.get(ns);
    if (s === undefined) unixNs.set(ns, (s = clock.unixNsText(ns, digits)));
    return s;
  };
  for (const [name, p] of Object.entries(r.phases)) {
    phases[name] = {
      ms: roundMs(p.ms),
      start: iso(p.startNs),
      end: iso(p.endNs),
      startUnixNs: unix(p.startNs),
      endUnixNs: unix(p.endNs),
      source: p.source,
      host: p.host,
      ...(p.approx ? { approx: true as const, substitute: p.approx } : {}),
    };
  }
  const out: ResultRequest = {
    vim: r.vim,
    id: r.id,
    keys: r.keys,
    complete: r.complete,
    missing: r.missing,
    phases,
    absent: r.absent,
  };
  if (r.notes.length) out.notes = r.notes;
  return out;
}

/** Per VIM and phase of its model: exact, approx, absent counts over the requests. */
function availability(requests: readonly RequestTimeline[]): PhaseAvailability {
  const out: PhaseAvailability = {};
  for (const r of requests) {
    const byPhase = (out[r.vim] ??= {});
    for (const p of phaseModels[r.vim].phases) {
      const a = (byPhase[p.name] ??= { exact: 0, approx: 0, absent: 0, substitutes: [] });
      const v = r.phases[p.name];
      if (!v) a.absent++;
      else if (v.approx) {
        a.approx++;
        if (!a.substitutes.includes(v.approx)) a.substitutes.push(v.approx);
      } else a.exact++;
    }
  }
  return out;
}

/** Each request's result object, made on demand from its timeline. */
function resultRequestList(out: SessionOutput, digits: number): ResultRequestList {
  // From one host's view, say so where a request lacks a milestone.
  const single = out.captures.length > 0 && out.captures.every((c) => c.vantage.kind === 'single-host');
  const observers = [...new Set(out.captures.flatMap((c) => c.vantage.observers))];
  const hiding = hidingConnections(out.tls);
  return {
    length: out.requests.length,
    at(i) {
      const r = out.requests[i];
      const res = requestToResult(r, out.clock, digits);
      if (single && !r.complete)
        res.reason = `not visible from ${observers.join(', ')}: this capture holds only that host's connections`;
      // A wire phase missing from one host's view may have happened between other hosts.
      if (single) {
        const absent: Record<string, string> = {};
        for (const [name, why] of Object.entries(res.absent)) {
          absent[name] = logPhaseNames.has(name)
            ? why
            : `${why} (or not visible: this capture holds only ${observers.join(', ')}'s connections)`;
        }
        res.absent = absent;
      }
      const hidden = r.complete ? null : tlsAbsentReasons(r, hiding);
      if (hidden) res.absent = { ...res.absent, ...hidden };
      return res;
    },
  };
}

export function toResult(out: SessionOutput): AnalysisResult {
  const { result, requests } = toStreamedResult(out);
  result.requests = Array.from({ length: requests.length }, (_, i) => requests.at(i));
  return result;
}

/**
 * The result with `requests` left empty and the requests on the side, to be made while
 * they are written, so that they need not all exist at once.
 */
export function toStreamedResult(out: SessionOutput): { result: AnalysisResult; requests: ResultRequestList } {
  const digits = precisionOf(out);
  const stats = phaseStats(out.requests);
  const requests: ResultRequest[] = [];
  const result: AnalysisResult = {
    schema: 'vim-analyse/2',
    captures: out.captures.map((c) => ({
      file: c.file,
      format: c.summary.format,
      gzip: c.summary.gzip,
      packets: c.summary.packets,
      start: out.clock.isoOf(c.summary.firstTs, c.summary.firstNs, digits),
      end: out.clock.isoOf(c.summary.lastTs, c.summary.lastNs, digits),
      startUnixNs: out.clock.unixNsTextOf(c.summary.firstTs, c.summary.firstNs, digits),
      endUnixNs: out.clock.unixNsTextOf(c.summary.lastTs, c.summary.lastNs, digits),
      vantage: c.vantage,
    })),
    vims: out.vims,
    requests,
    // Rounded like the phases they summarise (ns precision, in ms): no 15-digit noise.
    stats: roundDurations(stats),
    clocks: Object.fromEntries(
      Object.entries(out.clocks).map(([h, c]) => [
        h,
        {
          offsetMs: roundMs(c.offsetMs),
          uncertaintyMs: roundMs(c.uncertaintyMs),
          source: c.source,
          ...(c.addresses ? { addresses: c.addresses } : {}),
        },
      ]),
    ),
    diagnosis: diagnose({
      requests: out.requests,
      messages: out.messages,
      stats,
      sequences: Object.fromEntries(out.vims.map((v) => [v, phaseModels[v].sequence])),
      parents: Object.fromEntries(
        out.vims.map((v) => [
          v,
          Object.fromEntries(phaseModels[v].phases.filter((p) => p.parent).map((p) => [p.name, p.parent!])),
        ]),
      ),
      formatTime: (ns) => out.clock.iso(ns, digits),
      formatUnixNs: (ns) => out.clock.unixNsText(ns, digits),
    }),
    availability: availability(out.requests),
    counters: out.counters,
    warnings: out.warnings,
  };
  if (out.tls.length) result.tls = tlsResult(out.tls, out.clock, digits);
  return { result, requests: resultRequestList(out, digits) };
}

async function run(sources: CaptureSource | CaptureSource[], options: AnalyseOptions): Promise<SessionOutput> {
  const logs = [...(options.logs ?? [])];
  for (const spec of options.logFiles ?? []) logs.push(await readLog(spec, { signal: options.signal }));
  const tlsKeyLog = options.tlsKeyLog ?? (options.tlsKeyLogFile ? readTlsKeyLog(options.tlsKeyLogFile) : undefined);
  const session = new AnalysisSession({ ...options, logs, tlsKeyLog });
  await session.addCaptures(Array.isArray(sources) ? sources : [sources]);
  return session.finish();
}

/** Analyse one or several captures of one experiment. */
export async function analyse(
  sources: CaptureSource | CaptureSource[],
  options: AnalyseOptions = {},
): Promise<AnalysisResult> {
  return toResult(await run(sources, options));
}

/** The result with its requests made as they are written (see `resultJsonChunks`). */
export async function analyseStreamed(
  sources: CaptureSource | CaptureSource[],
  options: AnalyseOptions = {},
): Promise<{ result: AnalysisResult; requests: ResultRequestList }> {
  return toStreamedResult(await run(sources, options));
}

/** The result and the messages behind it (for waterfalls, HTML reports and traces). */
export async function analyseWithMessages(
  sources: CaptureSource | CaptureSource[],
  options: AnalyseOptions = {},
): Promise<{ result: AnalysisResult; messages: MessageLine[] }> {
  const out = await run(sources, options);
  const digits = precisionOf(out);
  return {
    result: toResult(out),
    messages: Array.from(out.messages, (m: VimMessage) => ({
      ...m,
      t: out.clock.iso(m.t, digits),
      tUnixNs: out.clock.unixNsText(m.t, digits),
    })),
  };
}

/** Every decoded message, in time order of its first byte (`messages --json`). */
export async function listMessages(
  sources: CaptureSource | CaptureSource[],
  options: AnalyseOptions = {},
): Promise<MessageLine[]> {
  return [...(await messageLines(sources, options))];
}

/**
 * The same lines, made one at a time as they are read: a writer of many lines holds the
 * decoded messages once, not also every line (a second copy of each message, with its
 * time as text).
 */
export async function messageLines(
  sources: CaptureSource | CaptureSource[],
  options: AnalyseOptions = {},
): Promise<Iterable<MessageLine> & { notKept: number }> {
  // Every message unless a bound is asked for: listing them is what the caller wants.
  const out = await run(sources, {
    ...options,
    maxMessages: options.maxMessages ?? Number.POSITIVE_INFINITY,
    frameNumbers: true,
  });
  const digits = precisionOf(out);
  const messages = out.messages;
  const requestOf = messageRequests(out.requests);
  return {
    notKept: out.counters.messagesNotKept,
    *[Symbol.iterator]() {
      for (const m of messages) {
        const request = requestOf(m.ids);
        // Join fields last, after the message's own.
        const { conn, frame, ...own } = m;
        yield {
          ...own,
          t: out.clock.iso(m.t, digits),
          tUnixNs: out.clock.unixNsText(m.t, digits),
          ...(request === undefined ? {} : { request }),
          ...(conn === undefined ? {} : { conn }),
          ...(frame === undefined ? {} : { frame }),
        };
      }
    },
  };
}
