/**
 * Server-side batching: a server that collects requests of one kind and answers them
 * together when a batch window closes. On the wire:
 *  - the replies come in release groups (released within CO_RELEASE_MS of each other);
 *  - each group is released a near-constant window after the first request of the group
 *    arrived (later arrivals wait less: the window is per batch, not per request);
 *  - the release answers several requests that waited different times — other requests
 *    of the same kind in the batch, or other waiters (e.g. blocking queries) released by
 *    the state the batch committed.
 * A server that is merely slow shows none of this: its latencies vary with the work, and
 * nothing else is released with its replies.
 */
import type { VimMessage } from '../dissectors/types.js';
import type { ResultDiagnosis } from '../pipeline/types.js';
import { edgeTime, type PhaseEnd } from './phaseEnds.js';
import { endpointHost } from '../net/ipPacket.js';
import { median, quantile } from './statistics.js';
import type { Confidence, DiagnosisContext } from './types.js';

/** Fewest release groups a window is estimated from. */
export const MIN_GROUPS = 8;
/** Replies released within this many ms of each other are one release. */
export const CO_RELEASE_MS = 1;
/** A batch window shorter than this (ms) is not told apart from service time. */
export const MIN_WINDOW_MS = 5;
/** The window is near-constant: (p90 − p10) / median at most this. */
export const MAX_WINDOW_SPREAD = 0.05;
/** Batches holding several requests of the kind, needed to call it batching on that alone… */
export const MIN_MULTI_REQUEST_GROUPS = 3;
/** …or the fraction of releases that also answer other waiting requests. */
export const MIN_CO_RELEASED_FRACTION = 0.5;

const f1 = (x: number): string => x.toFixed(1);

interface Reply {
  msg: number;
  arrival: number;
  release: number;
}

interface ReleaseGroup {
  replies: Reply[];
  release: number;
  firstArrival: number;
  windowMs: number;
}

function releaseGroups(replies: Reply[]): ReleaseGroup[] {
  const sorted = [...replies].sort((a, b) => (a.release < b.release ? -1 : a.release > b.release ? 1 : 0));
  const groups: ReleaseGroup[] = [];
  for (const r of sorted) {
    const g = groups[groups.length - 1];
    if (g && r.release - g.release <= CO_RELEASE_MS * 1e6) {
      g.replies.push(r);
      g.firstArrival = Math.min(g.firstArrival, r.arrival);
      g.windowMs = (g.release - g.firstArrival) / 1e6;
    } else groups.push({ replies: [r], release: r.release, firstArrival: r.arrival, windowMs: (r.release - r.arrival) / 1e6 });
  }
  return groups;
}

/**
 * Other replies by the same server released with this group, after waiting a different
 * time. `others` is sorted by release: only the window around the group's release is read
 * (a scan of every reply per group was 0.8 s on 1 GB of Nomad).
 */
function coReleased(group: ReleaseGroup, others: readonly Reply[]): Reply[] {
  const tol = CO_RELEASE_MS * 1e6;
  let lo = 0, hi = others.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (others[mid].release < group.release - tol) lo = mid + 1;
    else hi = mid;
  }
  const out: Reply[] = [];
  for (let k = lo; k < others.length && others[k].release <= group.release + tol; k++) {
    const o = others[k];
    if (group.replies.every((r) => Math.abs(o.arrival - r.arrival) > tol)) out.push(o);
  }
  return out;
}

/** The phase the holds relate to: one ending at this message, else one containing the holds. */
function relatedPhase(ctx: DiagnosisContext, vim: string, host: string, name: string, ends: readonly PhaseEnd[], groups: ReleaseGroup[]): { phase: string; relation: string } {
  const end = ends.find((e) => e.vim === vim && e.name === name && e.matches.some((m) => endpointHost(ctx.input.messages[m.msg].dst) === host));
  if (end) {
    return end.edge === 'release'
      ? { phase: end.phase, relation: `the hold is inside ${end.phase}, which ends at the release` }
      : { phase: end.phase, relation: `${end.phase} ends when the request arrives, so whoever waits for the reply waits the window more` };
  }
  const counts = new Map<string, number>();
  for (const g of groups) {
    for (const r of ctx.input.requests) {
      if (r.vim !== vim) continue;
      for (const p of ctx.input.sequences[vim] ?? []) {
        const v = r.phases[p];
        if (v && v.startNs <= g.firstArrival && g.release <= v.endNs) counts.set(p, (counts.get(p) ?? 0) + 1);
      }
    }
  }
  const best = [...counts].sort((a, b) => b[1] - a[1])[0];
  return best ? { phase: best[0], relation: `the holds fall inside ${best[0]}` } : { phase: '', relation: 'the holds fall inside no measured phase' };
}

export function detectBatching(ctx: DiagnosisContext, ends: readonly PhaseEnd[]): ResultDiagnosis[] {
  const { messages } = ctx.input;
  // Replies by server host, and by (vim, server host, message name).
  const byServer = new Map<string, Reply[]>();
  type Kind = { vim: string; host: string; name: string; replies: Reply[] };
  const byKind: Kind[] = [];
  const byHostName = new Map<string, Map<string, Kind>>();
  const otherVim = new Map<string, Kind>();
  messages.forEach((m: VimMessage, i) => {
    const release = edgeTime(m, 'release');
    if (release === null) return;
    const host = endpointHost(m.dst);
    const reply = { msg: i, arrival: m.t, release };
    let s = byServer.get(host);
    if (!s) byServer.set(host, (s = []));
    s.push(reply);
    // Keyed by (host, name) in nested maps: a key string per message was most of this loop's garbage.
    let names = byHostName.get(host);
    if (!names) byHostName.set(host, (names = new Map()));
    let k = names.get(m.name);
    if (!k) {
      names.set(m.name, (k = { vim: m.vim, host, name: m.name, replies: [] }));
      byKind.push(k);
    } else if (k.vim !== m.vim) {
      // The same name at the same host from two VIMs (not seen in practice): keep them apart.
      const key = `${m.vim}\t${host}\t${m.name}`;
      k = otherVim.get(key);
      if (!k) {
        otherVim.set(key, (k = { vim: m.vim, host, name: m.name, replies: [] }));
        byKind.push(k);
      }
    }
    k.replies.push(reply);
  });

  const out: ResultDiagnosis[] = [];
  for (const kind of byKind) {
    const groups = releaseGroups(kind.replies);
    if (groups.length < MIN_GROUPS) continue;
    const windows = groups.map((g) => g.windowMs);
    const window = median(windows);
    const p10 = quantile(windows, 0.1), p90 = quantile(windows, 0.9);
    const spread = (p90 - p10) / window;
    if (window < MIN_WINDOW_MS || spread > MAX_WINDOW_SPREAD) continue;

    const mine = new Set(kind.replies.map((r) => r.msg));
    const others = (byServer.get(kind.host) ?? []).filter((r) => !mine.has(r.msg)).sort((a, b) => a.release - b.release);
    const multi = groups.filter((g) => g.replies.some((r) => r.arrival - g.firstArrival > CO_RELEASE_MS * 1e6));
    const withOthers = groups.map((g) => ({ g, co: coReleased(g, others) })).filter((x) => x.co.length > 0);
    const coFraction = withOthers.length / groups.length;
    if (multi.length < MIN_MULTI_REQUEST_GROUPS && coFraction < MIN_CO_RELEASED_FRACTION) continue;

    const confidence: Confidence = multi.length >= MIN_MULTI_REQUEST_GROUPS ? 'high' : coFraction >= 0.8 && spread <= MAX_WINDOW_SPREAD / 2 ? 'medium' : 'low';
    const { phase, relation } = relatedPhase(ctx, kind.vim, kind.host, kind.name, ends, groups);
    const together: string[] = [];
    if (multi.length) together.push(`${multi.length} releases answered several ${kind.name} requests at once`);
    if (withOthers.length) together.push(`${withOthers.length} of ${groups.length} releases also answered other requests that had waited different times`);
    const text =
      `${kind.host} batches ${kind.name} replies: each release comes ${f1(window)} ms after the first request of its batch ` +
      `(p10–p90 ${f1(p10)}–${f1(p90)} ms over ${groups.length} releases of ${kind.replies.length} replies), and ${together.join('; ')}; ` +
      `${relation}; confidence ${confidence}`;
    const example = (withOthers[0]?.g ?? multi[0] ?? groups[0]);
    const exampleCo = withOthers[0]?.co ?? [];
    out.push({
      kind: 'batching',
      phase,
      host: kind.host,
      windowMs: window,
      text,
      evidence: {
        confidence,
        vim: kind.vim,
        message: kind.name,
        replies: kind.replies.length,
        releases: groups.length,
        windowMs: window,
        windowP10Ms: p10,
        windowP90Ms: p90,
        windowSpread: spread,
        multiRequestReleases: multi.length,
        coReleasedFraction: coFraction,
        example: {
          release: ctx.time(example.release),
          firstArrival: ctx.time(example.firstArrival),
          held: example.replies.map((r) => ({ ...ctx.ref(r.msg), waitedMs: (r.release - r.arrival) / 1e6 })),
          releasedWith: exampleCo.slice(0, 5).map((r) => ({ ...ctx.ref(r.msg), waitedMs: (r.release - r.arrival) / 1e6 })),
        },
      },
    });
  }
  return out;
}
