/**
 * The library's main entry: captures in, the result contract (DESIGN.md) out.
 */
import type { CaptureSource } from '../capture/readCapture.js';
import type { SessionClock } from '../capture/sessionClock.js';
import type { VimMessage } from '../dissectors/types.js';
import { phaseStats } from '../stats/phaseStats.js';
import type { RequestTimeline } from '../timeline/types.js';
import { AnalysisSession, type SessionOptions, type SessionOutput } from './analysisSession.js';
import type { AnalysisResult, MessageLine, ResultRequest } from './types.js';

export type AnalyseOptions = SessionOptions;

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Digits of the capture's timestamps (6 for µs, 9 for ns), for printing times. */
function precisionOf(out: SessionOutput): number {
  return Math.max(6, ...out.captures.map((c) => c.summary.tsPrecision));
}

export function requestToResult(r: RequestTimeline, clock: SessionClock, digits: number): ResultRequest {
  const phases: ResultRequest['phases'] = {};
  for (const [name, p] of Object.entries(r.phases)) {
    phases[name] = {
      ms: Math.round(p.ms * 1e6) / 1e6,
      start: clock.iso(p.startNs, digits),
      end: clock.iso(p.endNs, digits),
      source: p.source,
      host: p.host,
      ...(p.approx ? { approx: true as const, substitute: p.approx } : {}),
    };
  }
  const out: ResultRequest = { vim: r.vim, id: r.id, keys: r.keys, complete: r.complete, missing: r.missing, phases, absent: r.absent };
  if (r.notes.length) out.notes = r.notes;
  return out;
}

export function toResult(out: SessionOutput): AnalysisResult {
  const digits = precisionOf(out);
  return {
    schema: 'vim-analyse/1',
    captures: out.captures.map((c) => ({
      file: c.file,
      format: c.summary.format,
      gzip: c.summary.gzip,
      packets: c.summary.packets,
      start: c.summary.firstTs === null ? null : out.clock.iso(c.summary.firstTs, digits),
      end: c.summary.lastTs === null ? null : out.clock.iso(c.summary.lastTs, digits),
    })),
    vims: out.vims,
    requests: out.requests.map((r) => requestToResult(r, out.clock, digits)),
    stats: phaseStats(out.requests),
    clocks: Object.fromEntries(
      Object.entries(out.clocks).map(([h, c]) => [h, { offsetMs: round6(c.offsetMs), uncertaintyMs: round6(c.uncertaintyMs), source: c.source }]),
    ),
    diagnosis: [],
    counters: out.counters,
    warnings: out.warnings,
  };
}

async function run(sources: CaptureSource | CaptureSource[], options: SessionOptions): Promise<SessionOutput> {
  const session = new AnalysisSession(options);
  for (const s of Array.isArray(sources) ? sources : [sources]) await session.addCapture(s);
  return session.finish();
}

/** Analyse one or several captures of one experiment. */
export async function analyse(sources: CaptureSource | CaptureSource[], options: AnalyseOptions = {}): Promise<AnalysisResult> {
  return toResult(await run(sources, options));
}

/** Every decoded message, in time order of its first byte (`messages --json`). */
export async function listMessages(sources: CaptureSource | CaptureSource[], options: AnalyseOptions = {}): Promise<MessageLine[]> {
  const out = await run(sources, options);
  const digits = precisionOf(out);
  return out.messages.map((m: VimMessage) => ({ ...m, t: out.clock.iso(m.t, digits) }));
}
