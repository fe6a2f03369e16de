/**
 * Outliers: requests whose total lies above the 95th percentile. For each, the phase
 * responsible (the one furthest above its own median) and what was unusual on the wire
 * during that phase: an exchange that took far longer than usual for its kind, a long
 * silence, retransmissions or gaps (when the net stage supplies them), or a known timer
 * the phase waited for.
 */
import type { MessageTable, VimMessage } from '../dissectors/types.js';
import type { ResultDiagnosis } from '../result/types.js';
import type { RequestTimeline } from '../timeline/types.js';
import { endpointHost } from '../net/ipPacket.js';
import { ascendingOrder, median, quantile } from './statistics.js';
import { firstAtLeast } from '../sorted/sortedSearch.js';
import type { Confidence, DiagnosisContext } from './types.js';

/** Fewest requests before the 95th percentile means anything. */
export const MIN_REQUESTS = 10;
/** The percentile of total above which a request is an outlier. */
export const OUTLIER_QUANTILE = 0.95;
/**
 * Statements made per VIM at most, slowest first: 5% of 14,400 requests is 720 statements,
 * not a diagnosis (each says how many requests were above the threshold).
 */
export const MAX_OUTLIERS = 10;
/** An exchange is unusually long above this quantile of its kind… */
export const LONG_EXCHANGE_QUANTILE = 0.95;
/** …and at least this many times its kind's median. */
export const LONG_EXCHANGE_RATIO = 2;
/** Kinds seen fewer times than this have no "usual" duration. */
export const MIN_KIND_COUNT = 5;
/** A silence is notable when it covers this fraction of the phase. */
export const SILENCE_FRACTION = 0.5;

const f1 = (x: number): string => x.toFixed(1);

function carriesRequest(m: VimMessage, r: RequestTimeline): boolean {
  const k = r.keys,
    ids = m.ids;
  return (
    (!!k.server && (ids.server === k.server || !!ids.servers?.includes(k.server))) ||
    (!!k.alloc && (ids.alloc === k.alloc || !!ids.allocs?.includes(k.alloc))) ||
    (!!k.request && ids.request === k.request)
  );
}

/**
 * Indices (ascending) of the messages that may overlap [from, to): first byte before `to`
 * and last byte after `from`, found by binary search in time order with the longest
 * duration as the look-back, so an outlier does not scan every message.
 */
function messagesDuring(messages: MessageTable): (from: number, to: number) => number[] {
  const n = messages.length;
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = messages.t(i);
  const order = ascendingOrder(times);
  const t = new Float64Array(n);
  for (let k = 0; k < n; k++) t[k] = times[order[k]];
  let longestNs = 0;
  for (let i = 0; i < n; i++) {
    const ms = messages.ms(i);
    if (ms !== null && ms * 1e6 > longestNs) longestNs = ms * 1e6;
  }
  return (from, to) => {
    const out: number[] = [];
    for (let k = firstAtLeast(t, from - longestNs); k < t.length && t[k] < to; k++) out.push(order[k]);
    return out.sort((a, b) => a - b);
  };
}

export function detectOutliers(ctx: DiagnosisContext, explained: readonly ResultDiagnosis[]): ResultDiagnosis[] {
  const { messages } = ctx.input;
  const out: ResultDiagnosis[] = [];
  // The usual duration of each kind of exchange (name at a server).
  // By name, then server host: nested maps, not a key string per message.
  const kinds = new Map<string, Map<string, number[]>>();
  for (let i = 0; i < messages.length; i++) {
    const ms = messages.ms(i);
    if (ms === null) continue;
    const name = messages.name(i),
      host = endpointHost(messages.dst(i));
    let hosts = kinds.get(name);
    if (!hosts) kinds.set(name, (hosts = new Map<string, number[]>()));
    const v = hosts.get(host);
    if (v) v.push(ms);
    else hosts.set(host, [ms]);
  }
  const during = messagesDuring(messages);
  type Usual = { median: number; high: number; n: number };
  const usualByKind = new Map<string, Map<string, Usual>>();
  for (const [name, hosts] of kinds) {
    for (const [host, v] of hosts) {
      if (v.length < MIN_KIND_COUNT) continue;
      let u = usualByKind.get(name);
      if (!u) usualByKind.set(name, (u = new Map<string, Usual>()));
      u.set(host, { median: median(v), high: quantile(v, LONG_EXCHANGE_QUANTILE), n: v.length });
    }
  }
  const usualOf = (m: VimMessage): Usual | undefined => usualByKind.get(m.name)?.get(endpointHost(m.dst));

  for (const [vim, sequence] of Object.entries(ctx.input.sequences)) {
    const requests = ctx.input.requests.filter((r) => r.vim === vim && r.complete && r.phases.total);
    if (requests.length < MIN_REQUESTS) continue;
    const totals = requests.map((r) => r.phases.total.ms);
    const threshold = quantile(totals, OUTLIER_QUANTILE);
    const medians = Object.fromEntries(
      sequence.map((p) => [p, median(requests.filter((r) => r.phases[p]).map((r) => r.phases[p].ms))]),
    );
    const above = requests
      .filter((x) => x.phases.total.ms > threshold)
      .sort((a, b) => b.phases.total.ms - a.phases.total.ms);
    for (const r of above.slice(0, MAX_OUTLIERS)) {
      const excess = sequence
        .filter((p) => r.phases[p] && Number.isFinite(medians[p]))
        .map((p) => ({ phase: p, ms: r.phases[p].ms, medianMs: medians[p], excessMs: r.phases[p].ms - medians[p] }));
      if (!excess.length) continue;
      const top = excess.sort((a, b) => b.excessMs - a.excessMs)[0];
      const { startNs, endNs } = r.phases[top.phase];

      // Exchanges overlapping the phase that took far longer than usual for their kind.
      const long = during(startNs, endNs)
        .map((i) => ({ m: messages.at(i), i }))
        // Overlapping the phase, but not an envelope around it (the request's own POST explains nothing).
        .filter(
          ({ m }) =>
            m.vim === vim &&
            m.ms !== null &&
            m.t < endNs &&
            m.t + m.ms * 1e6 > startNs &&
            !(m.t <= startNs && m.t + m.ms * 1e6 >= endNs),
        )
        .map(({ m, i }) => ({ m, i, u: usualOf(m) }))
        .filter(({ m, u }) => u && m.ms! > u.high && m.ms! >= LONG_EXCHANGE_RATIO * u.median)
        .map(({ m, i, u }) => ({
          i,
          ofRequest: carriesRequest(m, r),
          ms: m.ms!,
          usualMs: u!.median,
          excessMs: m.ms! - u!.median,
        }))
        .sort((a, b) => Number(b.ofRequest) - Number(a.ofRequest) || b.excessMs - a.excessMs);

      // The longest silence on the wire (no first or last byte of any exchange) inside the phase.
      const edges = [startNs, endNs];
      for (const i of during(startNs, endNs)) {
        const m = messages.at(i);
        if (m.t > startNs && m.t < endNs) edges.push(m.t);
        if (m.ms !== null) {
          const e = m.t + m.ms * 1e6;
          if (e > startNs && e < endNs) edges.push(e);
        }
      }
      edges.sort((a, b) => a - b);
      let silence = { from: startNs, to: startNs };
      for (let k = 1; k < edges.length; k++)
        if (edges[k] - edges[k - 1] > silence.to - silence.from) silence = { from: edges[k - 1], to: edges[k] };
      const silenceMs = (silence.to - silence.from) / 1e6;
      const notableSilence = silenceMs >= SILENCE_FRACTION * top.ms && top.ms > 0;

      const wire = (ctx.input.wireEvents ?? []).filter((w) => w.t >= startNs && w.t <= endNs);
      const wireByKind: Record<string, number> = {};
      for (const w of wire) wireByKind[w.kind] = (wireByKind[w.kind] ?? 0) + 1;
      const timer = explained.find(
        (d): d is Extract<ResultDiagnosis, { kind: 'timer' }> => d.kind === 'timer' && d.phase === top.phase,
      );

      const seen: string[] = [];
      if (long.length) {
        const l = long[0],
          m = messages.at(l.i);
        seen.push(
          `${m.name} to ${m.dst} took ${f1(l.ms)} ms (usually ${f1(l.usualMs)} ms)` +
            `${l.ofRequest ? '' : ', for another request'}`,
        );
      }
      if (notableSilence)
        seen.push(`the wire was silent for ${f1(silenceMs)} ms (${ctx.time(silence.from)} → ${ctx.time(silence.to)})`);
      for (const [k, n] of Object.entries(wireByKind)) seen.push(`${n} ${k}${n > 1 ? 's' : ''}`);
      if (timer && timer.periodMs)
        seen.push(
          `it waited ${f1(top.ms)} ms for the ~${f1(timer.periodMs)} ms timer on ${timer.host} ` +
            `(${(top.ms / timer.periodMs).toFixed(2)} of a period)`,
        );
      const confidence: Confidence =
        top.excessMs >= 0.5 * (r.phases.total.ms - median(totals)) ? (seen.length ? 'high' : 'medium') : 'low';
      const text =
        `outlier ${r.id}: total ${f1(r.phases.total.ms)} ms (p95 ${f1(threshold)} ms); ${top.phase} took ` +
        `${f1(top.ms)} ms against a median of ${f1(top.medianMs)} ms (+${f1(top.excessMs)} ms); ` +
        (seen.length ? `on the wire meanwhile: ${seen.join('; ')}` : 'nothing unusual on the wire meanwhile') +
        `; confidence ${confidence}`;
      out.push({
        kind: 'outlier',
        phase: top.phase,
        text,
        evidence: {
          confidence,
          vim,
          request: r.id,
          keys: r.keys,
          totalMs: r.phases.total.ms,
          p95Ms: threshold,
          requestsAboveP95: above.length,
          medianTotalMs: median(totals),
          phase: {
            name: top.phase,
            ms: top.ms,
            medianMs: top.medianMs,
            excessMs: top.excessMs,
            start: ctx.time(startNs),
            startUnixNs: ctx.unixNs(startNs),
            end: ctx.time(endNs),
            endUnixNs: ctx.unixNs(endNs),
          },
          phases: excess,
          longExchanges: long.slice(0, 5).map((l) => ({ ...ctx.ref(l.i), usualMs: l.usualMs, ofRequest: l.ofRequest })),
          longestSilence: {
            ms: silenceMs,
            from: ctx.time(silence.from),
            fromUnixNs: ctx.unixNs(silence.from),
            to: ctx.time(silence.to),
            toUnixNs: ctx.unixNs(silence.to),
          },
          wireEvents: wireByKind,
          timer: timer ? { periodMs: timer.periodMs, host: timer.host } : null,
        },
      });
    }
  }
  return out;
}
