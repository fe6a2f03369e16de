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
import type { ResultDiagnosis } from '../result/types.js';
import { edgeTime, type PhaseEnd } from './phaseEnds.js';
import { endpointHost } from '../net/ipPacket.js';
import { ascendingOrder, median, quantile } from './statistics.js';
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

/**
 * Every reply (a message whose release was seen) in columns, by position: its message,
 * arrival and release, and the kind it belongs to. Typed arrays, not an object per reply or
 * per release group, which would be long-lived garbage on large inputs.
 */
interface Replies {
  msg: Int32Array;
  arrival: Float64Array;
  release: Float64Array;
  kind: Int32Array;
}

/** Releases of one kind: group g holds `order[start[g]] … order[start[g + 1] - 1]`. */
interface ReleaseGroups {
  count: number;
  /** Reply positions by release time (ties in message order). */
  order: Int32Array;
  start: Int32Array;
  release: Float64Array;
  firstArrival: Float64Array;
  windowMs: Float64Array;
}

/** Positions (ascending) re-ordered by release time, stably. */
function byRelease(replies: Replies, positions: readonly number[]): Int32Array {
  const times = new Float64Array(positions.length);
  for (let k = 0; k < positions.length; k++) times[k] = replies.release[positions[k]];
  const order = ascendingOrder(times);
  const out = new Int32Array(positions.length);
  for (let k = 0; k < out.length; k++) out[k] = positions[order[k]];
  return out;
}

/** A group opens at a release and takes every later release within CO_RELEASE_MS of it. */
function releaseGroups(replies: Replies, positions: readonly number[]): ReleaseGroups {
  const order = byRelease(replies, positions);
  const n = order.length;
  const start = new Int32Array(n + 1),
    release = new Float64Array(n),
    firstArrival = new Float64Array(n),
    windowMs = new Float64Array(n);
  let count = 0;
  for (let k = 0; k < n; k++) {
    const p = order[k];
    const g = count - 1;
    if (g >= 0 && replies.release[p] - release[g] <= CO_RELEASE_MS * 1e6) {
      firstArrival[g] = Math.min(firstArrival[g], replies.arrival[p]);
      windowMs[g] = (release[g] - firstArrival[g]) / 1e6;
    } else {
      start[count] = k;
      release[count] = replies.release[p];
      firstArrival[count] = replies.arrival[p];
      windowMs[count] = (replies.release[p] - replies.arrival[p]) / 1e6;
      count++;
    }
  }
  start[count] = n;
  return {
    count,
    order,
    start,
    release: release.subarray(0, count),
    firstArrival: firstArrival.subarray(0, count),
    windowMs: windowMs.subarray(0, count),
  };
}

/** The reply positions of group g. */
function groupReplies(groups: ReleaseGroups, g: number): Int32Array {
  return groups.order.subarray(groups.start[g], groups.start[g + 1]);
}

/**
 * Other replies by the same server (any kind but `kind`) released with group g, after
 * waiting a different time. `hostOrder` is the server's replies by release: only the
 * window around the group's release is read, not every reply per group. With `first`,
 * stops at the first one found.
 */
function coReleased(
  replies: Replies,
  groups: ReleaseGroups,
  g: number,
  kind: number,
  hostOrder: Int32Array,
  first = false,
): number[] {
  const tol = CO_RELEASE_MS * 1e6;
  const release = groups.release[g];
  const held = groupReplies(groups, g);
  let lo = 0,
    hi = hostOrder.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (replies.release[hostOrder[mid]] < release - tol) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let k = lo; k < hostOrder.length && replies.release[hostOrder[k]] <= release + tol; k++) {
    const o = hostOrder[k];
    if (replies.kind[o] === kind) continue;
    let apart = true;
    for (let j = 0; j < held.length && apart; j++)
      apart = Math.abs(replies.arrival[o] - replies.arrival[held[j]]) > tol;
    if (apart) {
      out.push(o);
      if (first) break;
    }
  }
  return out;
}

/** The phase the holds relate to: one ending at this message, else one containing the holds. */
function relatedPhase(
  ctx: DiagnosisContext,
  vim: string,
  host: string,
  name: string,
  ends: readonly PhaseEnd[],
  groups: ReleaseGroups,
): { phase: string; relation: string } {
  const end = ends.find(
    (e) =>
      e.vim === vim && e.name === name && e.matches.some((m) => endpointHost(ctx.input.messages.dst(m.msg)) === host),
  );
  if (end) {
    return end.edge === 'release'
      ? { phase: end.phase, relation: `the hold is inside ${end.phase}, which ends at the release` }
      : {
          phase: end.phase,
          relation: `${end.phase} ends when the request arrives, so whoever waits for the reply waits the window more`,
        };
  }
  const counts = new Map<string, number>();
  for (let g = 0; g < groups.count; g++) {
    for (const r of ctx.input.requests) {
      if (r.vim !== vim) continue;
      for (const p of ctx.input.sequences[vim] ?? []) {
        const v = r.phases[p];
        if (v && v.startNs <= groups.firstArrival[g] && groups.release[g] <= v.endNs)
          counts.set(p, (counts.get(p) ?? 0) + 1);
      }
    }
  }
  const best = [...counts].sort((a, b) => b[1] - a[1])[0];
  return best
    ? { phase: best[0], relation: `the holds fall inside ${best[0]}` }
    : { phase: '', relation: 'the holds fall inside no measured phase' };
}

export function detectBatching(ctx: DiagnosisContext, ends: readonly PhaseEnd[]): ResultDiagnosis[] {
  const { messages } = ctx.input;
  const n = messages.length;
  const replies: Replies = {
    msg: new Int32Array(n),
    arrival: new Float64Array(n),
    release: new Float64Array(n),
    kind: new Int32Array(n),
  };
  // Reply positions by server host, and by kind: (vim, server host, message name).
  const byServer = new Map<string, number[]>();
  type Kind = { id: number; vim: string; host: string; name: string; replies: number[] };
  const byKind: Kind[] = [];
  const byHostName = new Map<string, Map<string, Kind>>();
  const otherVim = new Map<string, Kind>();
  let count = 0;
  for (let i = 0; i < n; i++) {
    const release = edgeTime(messages, i, 'release');
    if (release === null) continue;
    const host = endpointHost(messages.dst(i));
    const name = messages.name(i),
      vim = messages.vim(i);
    const p = count++;
    replies.msg[p] = i;
    replies.arrival[p] = messages.t(i);
    replies.release[p] = release;
    let s = byServer.get(host);
    if (!s) byServer.set(host, (s = []));
    s.push(p);
    // Keyed by (host, name) in nested maps: a key string per message was most of this loop's garbage.
    let names = byHostName.get(host);
    if (!names) byHostName.set(host, (names = new Map<string, Kind>()));
    let k = names.get(name);
    if (!k) {
      names.set(name, (k = { id: byKind.length, vim, host, name, replies: [] }));
      byKind.push(k);
    } else if (k.vim !== vim) {
      // The same name at the same host from two VIMs (not seen in practice): keep them apart.
      const key = `${vim}\t${host}\t${name}`;
      k = otherVim.get(key);
      if (!k) {
        otherVim.set(key, (k = { id: byKind.length, vim, host, name, replies: [] }));
        byKind.push(k);
      }
    }
    replies.kind[p] = k.id;
    k.replies.push(p);
  }
  const hostOrders = new Map<string, Int32Array>();
  const hostOrder = (host: string): Int32Array => {
    let o = hostOrders.get(host);
    if (!o) hostOrders.set(host, (o = byRelease(replies, byServer.get(host) ?? [])));
    return o;
  };
  const tol = CO_RELEASE_MS * 1e6;
  const ref = (p: number) => ({
    ...ctx.ref(replies.msg[p]),
    waitedMs: (replies.release[p] - replies.arrival[p]) / 1e6,
  });

  const out: ResultDiagnosis[] = [];
  for (const kind of byKind) {
    const groups = releaseGroups(replies, kind.replies);
    if (groups.count < MIN_GROUPS) continue;
    const windows = groups.windowMs;
    const window = median(windows);
    const p10 = quantile(windows, 0.1),
      p90 = quantile(windows, 0.9);
    const spread = (p90 - p10) / window;
    if (window < MIN_WINDOW_MS || spread > MAX_WINDOW_SPREAD) continue;

    const others = hostOrder(kind.host);
    let multi = 0,
      firstMulti = -1,
      withOthers = 0,
      firstWithOthers = -1;
    for (let g = 0; g < groups.count; g++) {
      const held = groupReplies(groups, g);
      let several = false;
      for (let j = 0; j < held.length && !several; j++)
        several = replies.arrival[held[j]] - groups.firstArrival[g] > tol;
      if (several) {
        multi++;
        if (firstMulti < 0) firstMulti = g;
      }
      if (coReleased(replies, groups, g, kind.id, others, true).length) {
        withOthers++;
        if (firstWithOthers < 0) firstWithOthers = g;
      }
    }
    const coFraction = withOthers / groups.count;
    if (multi < MIN_MULTI_REQUEST_GROUPS && coFraction < MIN_CO_RELEASED_FRACTION) continue;

    const confidence: Confidence =
      multi >= MIN_MULTI_REQUEST_GROUPS
        ? 'high'
        : coFraction >= 0.8 && spread <= MAX_WINDOW_SPREAD / 2
          ? 'medium'
          : 'low';
    const { phase, relation } = relatedPhase(ctx, kind.vim, kind.host, kind.name, ends, groups);
    const together: string[] = [];
    if (multi) together.push(`${multi} releases answered several ${kind.name} requests at once`);
    if (withOthers)
      together.push(
        `${withOthers} of ${groups.count} releases also answered other requests that had waited different times`,
      );
    const text =
      `${kind.host} batches ${kind.name} replies: each release comes ${f1(window)} ms after the first ` +
      `request of its batch ` +
      `(p10–p90 ${f1(p10)}–${f1(p90)} ms over ${groups.count} releases of ${kind.replies.length} replies), ` +
      `and ${together.join('; ')}; ` +
      `${relation}; confidence ${confidence}`;
    const example = firstWithOthers >= 0 ? firstWithOthers : firstMulti >= 0 ? firstMulti : 0;
    const exampleCo = firstWithOthers >= 0 ? coReleased(replies, groups, firstWithOthers, kind.id, others) : [];
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
        releases: groups.count,
        windowMs: window,
        windowP10Ms: p10,
        windowP90Ms: p90,
        windowSpread: spread,
        multiRequestReleases: multi,
        coReleasedFraction: coFraction,
        example: {
          release: ctx.time(groups.release[example]),
          releaseUnixNs: ctx.unixNs(groups.release[example]),
          firstArrival: ctx.time(groups.firstArrival[example]),
          firstArrivalUnixNs: ctx.unixNs(groups.firstArrival[example]),
          held: Array.from(groupReplies(groups, example), ref),
          releasedWith: exampleCo.slice(0, 5).map(ref),
        },
      },
    });
  }
  return out;
}
