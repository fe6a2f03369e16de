/**
 * Which message marks the end of a phase? The timeline gives each phase's end time; a
 * message whose first byte (its send) or last reply byte (its release) falls on that
 * exact time is the milestone's message. Found from the data, per phase, so that no
 * detector needs to know a VIM's method names.
 */
import type { MessageTable } from '../dissectors/types.js';
import type { RequestTimeline } from '../timeline/types.js';
import { endpointHost } from '../net/ipPacket.js';
import { ascendingOrder } from './statistics.js';
import { firstAtLeast } from '../sorted/sortedSearch.js';

/** Times closer than this (ns) are the same instant (ms values are rounded to ns or µs). */
export const SAME_INSTANT_NS = 2_000;
/** A phase has an end message when this fraction of its requests end at one kind of message. */
export const MIN_MATCHED_FRACTION = 0.8;

/** `send`: the request's first byte, by its sender; `release`: the reply's last byte, by the server. */
export type MessageEdge = 'send' | 'release';

export interface PhaseEndMatch {
  request: RequestTimeline;
  /** Index of the message in the input. */
  msg: number;
  /** The host (address without port) that sent or released it. */
  host: string;
}

export interface PhaseEnd {
  vim: string;
  phase: string;
  name: string;
  edge: MessageEdge;
  /** One per request (several hosts may send this kind of message, e.g. one per compute node). */
  matches: PhaseEndMatch[];
  /** Requests that have this phase. */
  requests: number;
}

/** Message `i`'s send or release time (relative ns); null for a release never seen. */
export function edgeTime(messages: MessageTable, i: number, edge: MessageEdge): number | null {
  const t = messages.t(i);
  if (edge === 'send') return t;
  const ms = messages.ms(i);
  return ms === null ? null : t + Math.round(ms * 1e6);
}

export function edgeHost(messages: MessageTable, i: number, edge: MessageEdge): string {
  return endpointHost(edge === 'send' ? messages.src(i) : messages.dst(i));
}

/** One edge's times in order, with the index of each time's message: for binary search. */
interface EdgeIndex {
  t: Float64Array;
  i: Int32Array;
}

function edgeIndex(messages: MessageTable, edge: MessageEdge): EdgeIndex {
  const times = new Float64Array(messages.length);
  const idx = new Int32Array(messages.length);
  let n = 0;
  for (let i = 0; i < messages.length; i++) {
    const t = edgeTime(messages, i, edge);
    if (t === null) continue;
    times[n] = t;
    idx[n++] = i;
  }
  // Typed arrays sorted through a permutation, not an object per message.
  const order = ascendingOrder(times.subarray(0, n));
  const out = { t: new Float64Array(n), i: new Int32Array(n) };
  for (let k = 0; k < n; k++) {
    out.t[k] = times[order[k]];
    out.i[k] = idx[order[k]];
  }
  return out;
}

function near(index: EdgeIndex, t: number): number[] {
  const out: number[] = [];
  for (let k = firstAtLeast(index.t, t - SAME_INSTANT_NS); k < index.t.length && index.t[k] <= t + SAME_INSTANT_NS; k++)
    out.push(index.i[k]);
  return out;
}

/** For each VIM and phase of its sequence, the kind of message that ends it (if one does). */
export function findPhaseEnds(
  requests: readonly RequestTimeline[],
  messages: MessageTable,
  sequences: Record<string, readonly string[]>,
): PhaseEnd[] {
  const byEdge = { send: edgeIndex(messages, 'send'), release: edgeIndex(messages, 'release') };
  const out: PhaseEnd[] = [];
  for (const [vim, sequence] of Object.entries(sequences)) {
    for (const phase of sequence) {
      const withPhase = requests.filter((r) => r.vim === vim && r.phases[phase]);
      if (!withPhase.length) continue;
      const groups = new Map<string, PhaseEnd>();
      for (const r of withPhase) {
        const end = r.phases[phase].endNs;
        const seen = new Set<string>();
        for (const edge of ['send', 'release'] as const) {
          for (const i of near(byEdge[edge], end)) {
            if (messages.vim(i) !== vim) continue;
            const name = messages.name(i);
            const host = edgeHost(messages, i, edge);
            const key = `${edge}\t${name}`;
            if (seen.has(key)) continue;
            seen.add(key);
            let g = groups.get(key);
            if (!g) groups.set(key, (g = { vim, phase, name, edge, matches: [], requests: withPhase.length }));
            g.matches.push({ request: r, msg: i, host });
          }
        }
      }
      for (const g of groups.values()) if (g.matches.length >= MIN_MATCHED_FRACTION * withPhase.length) out.push(g);
    }
  }
  return out;
}
