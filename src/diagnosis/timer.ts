/**
 * Timers: a phase that ends when a host sends (or releases) a message on a schedule waits
 * for the next tick. Said only when both hold: the host's messages of that kind fall on a
 * fixed grid (periodicity.ts), and the phase's durations look like "wait until the next
 * tick" — roughly uniform between 0 and the period, mean near half of it.
 */
import type { ResultDiagnosis } from '../result/types.js';
import { detectPeriod, ON_GRID_TOLERANCE, onFittedGrid } from './periodicity.js';
import { edgeHost, edgeTime, type PhaseEnd } from './phaseEnds.js';
import { ksUniform, mean } from './statistics.js';
import type { Confidence, DiagnosisContext } from './types.js';

/** Fewest phase durations the "wait for the next tick" check is made on. */
export const MIN_WAITS = 8;
/** Fraction of the phase's ends that must fall on the grid. */
export const MIN_ENDS_ON_GRID = 0.8;
/** Fraction of waits that must lie within [0, period] (with the grid tolerance). */
export const MIN_WAITS_WITHIN_PERIOD = 0.9;
/** Waits are not uniform on [0, period] below this Kolmogorov–Smirnov p value. */
export const MIN_KS_P = 0.01;
/** Mean wait over the period must lie in this range (uniform: 0.5). */
export const MEAN_WAIT_RANGE: readonly [number, number] = [0.3, 0.7];
/** Hosts whose grid is fitted per phase end, at most (the ones ending the most requests). */
export const MAX_TIMER_HOSTS = 20;
/** High confidence needs this many waits and this KS p value. */
const HIGH_N = 20;
const HIGH_KS_P = 0.05;

const f1 = (x: number): string => x.toFixed(1);

/** Timer findings for the phases whose end message is sent on a schedule. */
export function detectTimers(ctx: DiagnosisContext, ends: readonly PhaseEnd[]): ResultDiagnosis[] {
  const { messages } = ctx.input;
  const out: ResultDiagnosis[] = [];
  const done = new Set<string>();
  // Per phase end and per host that sends it: each host runs its own ticker.
  // At most MAX_TIMER_HOSTS per phase end, those ending the most requests: a grid fit per
  // host is costly, and hundreds of compute hosts each with its own ticker say one thing.
  const perHost = ends.flatMap((end) => {
    const byHost = new Map<string, PhaseEnd['matches']>();
    for (const m of end.matches) {
      const list = byHost.get(m.host);
      if (list) list.push(m);
      else byHost.set(m.host, [m]);
    }
    const hosts = [...byHost.keys()];
    const kept = new Set(
      [...hosts].sort((a, b) => byHost.get(b)!.length - byHost.get(a)!.length).slice(0, MAX_TIMER_HOSTS),
    );
    return hosts
      .filter((h) => kept.has(h))
      .map((host) => ({ end, host, matches: byHost.get(host)!, hostsSending: hosts.length }));
  });
  // Every message of each ending kind, by the host that sends (or releases) it: the streams
  // a ticker would produce. Made in one pass: a pass per host was hosts × messages.
  // Looked up by name first: no key string made per message.
  // Only the hosts whose grid is fitted get a stream: the others' would be built for nothing.
  type Streams = {
    vim: string;
    edge: PhaseEnd['edge'];
    fitted: Set<string>;
    byHost: Map<string, { stream: number[]; times: number[] }>;
  };
  const streamsByName = new Map<string, Streams[]>();
  const streamsOf = (vim: string, name: string, edge: PhaseEnd['edge']): Streams | undefined =>
    streamsByName.get(name)?.find((x) => x.vim === vim && x.edge === edge);
  for (const { end, host } of perHost) {
    const known = streamsOf(end.vim, end.name, end.edge);
    if (known) {
      known.fitted.add(host);
      continue;
    }
    const list = streamsByName.get(end.name) ?? [];
    list.push({ vim: end.vim, edge: end.edge, fitted: new Set([host]), byHost: new Map() });
    streamsByName.set(end.name, list);
  }
  for (let i = 0; i < messages.length; i++) {
    const wanted = streamsByName.get(messages.name(i));
    if (!wanted) continue;
    const vim = messages.vim(i);
    for (const { vim: v, edge, fitted, byHost } of wanted) {
      if (v !== vim) continue;
      const t = edgeTime(messages, i, edge);
      if (t === null) continue;
      const host = edgeHost(messages, i, edge);
      if (!fitted.has(host)) continue;
      let s = byHost.get(host);
      if (!s) byHost.set(host, (s = { stream: [], times: [] }));
      s.stream.push(i);
      s.times.push(t);
    }
  }
  for (const { end, host, matches, hostsSending } of perHost) {
    const key = `${end.vim}\t${end.phase}\t${host}`;
    if (done.has(key)) continue;
    const { stream, times } = streamsOf(end.vim, end.name, end.edge)?.byHost.get(host) ?? { stream: [], times: [] };
    const fit = detectPeriod(times);
    if (!fit.accepted) continue;

    const period = fit.periodMs;
    const endsOnGrid =
      matches.filter((m) => onFittedGrid(edgeTime(messages, m.msg, end.edge)!, fit)).length / matches.length;
    const waits = matches.map((m) => m.request.phases[end.phase].ms);
    if (waits.length < MIN_WAITS || endsOnGrid < MIN_ENDS_ON_GRID) continue;
    const tol = ON_GRID_TOLERANCE * period;
    const within = waits.filter((w) => w >= -tol && w <= period + tol).length / waits.length;
    const ks = ksUniform(waits.map((w) => w / period));
    const meanWait = mean(waits);
    const ratio = meanWait / period;
    if (within < MIN_WAITS_WITHIN_PERIOD || ks.p < MIN_KS_P || ratio < MEAN_WAIT_RANGE[0] || ratio > MEAN_WAIT_RANGE[1])
      continue;

    done.add(key);
    const confidence: Confidence =
      waits.length >= HIGH_N && ks.p >= HIGH_KS_P && fit.onGridFraction >= 0.9 ? 'high' : 'medium';
    const batched = stream.filter(
      (i) => (messages.ids(i).allocs?.length ?? 0) > 1 || (messages.ids(i).servers?.length ?? 0) > 1,
    ).length;
    const verb = end.edge === 'send' ? 'sends' : 'releases';
    const text =
      `${end.phase} waits for a ~${f1(period)} ms timer on ${host}: ${host} ${verb} ${end.name} on a ` +
      `${f1(period)} ms grid ` +
      `(${(100 * fit.onGridFraction).toFixed(0)}% of ${fit.n} within ±${(100 * ON_GRID_TOLERANCE).toFixed(0)}` +
      `%, Rayleigh R ${fit.rayleighR.toFixed(3)}); ` +
      `the ${end.phase} durations look like waiting for the next tick (mean ${f1(meanWait)} ms = ` +
      `${ratio.toFixed(2)} of the period, ` +
      `KS p ${ks.p.toFixed(2)}, n=${waits.length}); confidence ${confidence}`;
    const sorted = [...matches].sort((a, b) => a.request.phases[end.phase].ms - b.request.phases[end.phase].ms);
    const examples = [sorted[0], sorted[sorted.length >> 1], sorted[sorted.length - 1]].map((m) => ({
      request: m.request.id,
      waitMs: m.request.phases[end.phase].ms,
      start: ctx.time(m.request.phases[end.phase].startNs),
      startUnixNs: ctx.unixNs(m.request.phases[end.phase].startNs),
      message: ctx.ref(m.msg),
    }));
    out.push({
      kind: 'timer',
      phase: end.phase,
      host: host,
      periodMs: period,
      text,
      evidence: {
        confidence,
        vim: end.vim,
        message: end.name,
        edge: end.edge,
        hostsSending,
        grid: {
          periodMs: period,
          gridPoint: ctx.time(fit.gridNs),
          gridPointUnixNs: ctx.unixNs(fit.gridNs),
          phaseMs: (((fit.gridNs / 1e6) % period) + period) % period,
          messages: fit.n,
          distinctTicks: fit.ticks,
          rayleighR: fit.rayleighR,
          onGridFraction: fit.onGridFraction,
          jitterMs: fit.jitterMs,
          falseAlarm: fit.falseAlarm,
          first: ctx.ref(stream[0]),
          last: ctx.ref(stream[stream.length - 1]),
          carryingSeveralRequests: batched,
        },
        waits: {
          n: waits.length,
          meanMs: meanWait,
          meanOverPeriod: ratio,
          minMs: Math.min(...waits),
          maxMs: Math.max(...waits),
          withinPeriodFraction: within,
          ksD: ks.d,
          ksP: ks.p,
          phaseEndsOnGrid: endsOnGrid,
        },
        examples,
      },
    });
  }
  return out;
}
