/**
 * Builders for synthetic diagnosis inputs: messages and request timelines with known
 * mechanisms (a ticker, a batch window, a lock), driven by a seeded generator.
 */
import type { VimMessage } from '../../src/dissectors/types.js';
import { MessageLog } from '../../src/dissectors/messageLog.js';
import type { DiagnosisInput } from '../../src/diagnosis/index.js';
import { seededRandom } from '../../src/diagnosis/statistics.js';
import type { PhaseValue, RequestTimeline } from '../../src/timeline/types.js';

export const MS = 1e6;

export interface Rng {
  uniform(lo?: number, hi?: number): number;
  normal(mean?: number, sd?: number): number;
  int(lo: number, hi: number): number;
}

export function rng(seed: number): Rng {
  const r = seededRandom(seed);
  return {
    uniform: (lo = 0, hi = 1) => lo + (hi - lo) * r(),
    normal: (mean = 0, sd = 1) => mean + sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()),
    int: (lo, hi) => lo + Math.floor(r() * (hi - lo + 1)),
  };
}

export function message(
  t: number,
  name: string,
  src: string,
  dst: string,
  ms: number | null,
  ids: VimMessage['ids'] = {},
): VimMessage {
  return { t: Math.round(t), vim: 'nomad', type: 'nomad-rpc', name, service: 'server', src, dst, ms, ids };
}

/** A request whose phases follow each other: [name, durationMs] from `startNs`. */
export function request(
  id: string,
  startNs: number,
  phases: [string, number][],
  vim: 'nomad' | 'nova' = 'nomad',
): RequestTimeline {
  const out: Record<string, PhaseValue> = {};
  let t = startNs;
  for (const [name, ms] of phases) {
    const end = t + Math.round(ms * MS);
    out[name] = { ms: (end - t) / MS, startNs: t, endNs: end, source: 'capture', host: 'h' };
    t = end;
  }
  out.total = { ms: (t - startNs) / MS, startNs, endNs: t, source: 'capture', host: 'h' };
  return {
    vim,
    id,
    keys: vim === 'nomad' ? { alloc: id } : { server: id },
    complete: true,
    missing: [],
    phases: out,
    absent: {},
    startNs,
    notes: [],
  };
}

/** Add a sub-phase nested in `parent`, starting `offsetMs` after it. */
export function addSubPhase(r: RequestTimeline, name: string, parent: string, offsetMs: number, ms: number): void {
  const p = r.phases[parent];
  const start = p.startNs + Math.round(offsetMs * MS);
  r.phases[name] = { ms, startNs: start, endNs: start + Math.round(ms * MS), source: 'log', host: 'h' };
}

export function input(
  requests: RequestTimeline[],
  messages: VimMessage[],
  sequence: string[],
  vim = 'nomad',
): DiagnosisInput {
  return {
    requests,
    messages: MessageLog.from([...messages].sort((a, b) => a.t - b.t)),
    stats: {},
    sequences: { [vim]: sequence },
  };
}
