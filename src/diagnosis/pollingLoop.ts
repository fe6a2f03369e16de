/**
 * Polling loops: a phase that starts when an agent reports what its periodic scan found
 * (Neutron's L2 agent reporting a tap device up) is gated by that scan. Said when the
 * agent's scan calls fall on a fixed grid (periodicity.ts) and each request's report
 * follows a scan on it; then, with the compute host's log, how long the boot waited
 * for that scan and how much of the hypervisor spawn that wait was, and the what-if of
 * an agent that reported at once. The batching of the events the agent's report causes
 * (neutron-server's `send_events_interval`) is said when the event POSTs carry several
 * servers.
 */
import type { ResultDiagnosis } from '../result/types.js';
import type { PollingLoopEvidence } from '../result/diagnosisEvidence.js';
import type { RequestTimeline } from '../timeline/types.js';
import { endpointHost } from '../net/ipPacket.js';
import { detectPeriod, ON_GRID_TOLERANCE, onFittedGrid, type PeriodFit } from './periodicity.js';
import { ksUniform, mean, median } from './statistics.js';
import type { Confidence, DiagnosisContext } from './types.js';

/** One loop that gates a phase: who scans, what it calls, where the wait shows in the logs. */
export interface PollingGate {
  vim: string;
  /** The phase whose start is the agent's report. */
  phase: string;
  /** What the agent is, for the text. */
  role: string;
  /** The calls the agent makes at the start of a scan that found something (one per tick). */
  scans: readonly string[];
  /** The report that starts `phase`. */
  report: string;
  /** Log sub-phases whose start is when the thing scanned for can first be found, preferred first. */
  waitFrom: readonly string[];
  /** The log sub-phase the wait is part of, for "how much of it was the wait". */
  within: string;
  /** The event whose arrival ends the wait inside `within`. */
  awaited: string;
  /** Messages that carry the events the report causes (for the batching statement). */
  eventPost: string;
}

export const pollingGates: readonly PollingGate[] = [
  {
    vim: 'nova',
    phase: 'vif_plugged',
    role: 'neutron agent',
    scans: [
      'get_devices_details_list',
      'get_devices_details_list_and_failed_devices',
      'update_device_down',
      'update_device_list',
    ],
    report: 'update_device_up',
    waitFrom: ['spawn.vif_plugged_wait', 'spawn.libvirt_spawn'],
    within: 'spawn.libvirt_spawn',
    awaited: 'network-vif-plugged',
    eventPost: 'POST /v2.1/os-server-external-events',
  },
];

/** Fraction of the gated requests whose report must follow a scan on the grid. */
export const MIN_GATED_FRACTION = 0.8;
/** Fewest gated requests a statement is made on. */
export const MIN_GATED = 5;
/** Event POSTs carrying several servers, as a fraction of all, from which batching is said. */
export const MIN_BATCHED_FRACTION = 0.2;
const HIGH_N = 10;

const f1 = (x: number): string => x.toFixed(1);
const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;

/** The scans and reports each host sent, in time order. */
interface HostCalls {
  scans: number[];
  scanMsgs: number[];
  reports: Map<number, number>;
}

function callsByHost(ctx: DiagnosisContext, gate: PollingGate): Map<string, HostCalls> {
  const { messages } = ctx.input;
  const scanNames = new Set(gate.scans);
  const out = new Map<string, HostCalls>();
  for (let i = 0; i < messages.length; i++) {
    const name = messages.name(i);
    const isScan = scanNames.has(name);
    if ((!isScan && name !== gate.report) || messages.vim(i) !== gate.vim) continue;
    const host = endpointHost(messages.src(i));
    let h = out.get(host);
    if (!h) out.set(host, (h = { scans: [], scanMsgs: [], reports: new Map() }));
    if (isScan) {
      h.scans.push(messages.t(i));
      h.scanMsgs.push(i);
    } else h.reports.set(messages.t(i), i);
  }
  for (const h of out.values()) {
    const order = h.scans.map((_, k) => k).sort((a, b) => h.scans[a] - h.scans[b]);
    h.scans = order.map((k) => h.scans[k]);
    h.scanMsgs = order.map((k) => h.scanMsgs[k]);
  }
  return out;
}

/** The latest scan at or before `t` (index), or -1. */
function scanBefore(scans: readonly number[], t: number): number {
  let lo = 0,
    hi = scans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (scans[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

interface Gated {
  request: RequestTimeline;
  host: string;
  /** The scan that found it (relative ns) and its message. */
  scan: number;
  scanMsg: number;
  /** Scan → report, ms. */
  processingMs: number;
  /** From the log phase where the wait starts to the scan, ms (null without that log phase). */
  waitMs: number | null;
  waitFrom: string | null;
}

export function detectPollingLoops(ctx: DiagnosisContext): ResultDiagnosis[] {
  const out: ResultDiagnosis[] = [];
  for (const gate of pollingGates) {
    const requests = ctx.input.requests.filter((r) => r.vim === gate.vim && r.complete && r.phases[gate.phase]);
    if (requests.length < MIN_GATED) continue;
    const hosts = callsByHost(ctx, gate);
    const fits = new Map<string, PeriodFit>();
    for (const [host, h] of hosts) {
      const fit = detectPeriod(h.scans);
      if (fit.accepted) fits.set(host, fit);
    }
    // Each request's report, by its exact time, names the agent that sent it.
    const gated: Gated[] = [];
    for (const r of requests) {
      const t = r.phases[gate.phase].startNs;
      for (const [host, h] of hosts) {
        if (!h.reports.has(t)) continue;
        const fit = fits.get(host);
        const k = scanBefore(h.scans, t);
        if (!fit || k < 0 || t - h.scans[k] > fit.periodMs * 1e6 || !onFittedGrid(h.scans[k], fit)) break;
        const from = gate.waitFrom.find((p) => r.phases[p] !== undefined) ?? null;
        gated.push({
          request: r,
          host,
          scan: h.scans[k],
          scanMsg: h.scanMsgs[k],
          processingMs: (t - h.scans[k]) / 1e6,
          waitMs: from === null ? null : (h.scans[k] - r.phases[from].startNs) / 1e6,
          waitFrom: from,
        });
        break;
      }
    }
    if (gated.length < MIN_GATED || gated.length < MIN_GATED_FRACTION * requests.length) continue;
    // One statement per agent host (one per compute host in a real cloud), the busiest first.
    const byHost = new Map<string, Gated[]>();
    for (const g of gated) {
      const list = byHost.get(g.host);
      if (list) list.push(g);
      else byHost.set(g.host, [g]);
    }
    for (const [host, list] of [...byHost].sort((a, b) => b[1].length - a[1].length)) {
      if (list.length < MIN_GATED) continue;
      out.push(loopStatement(ctx, gate, host, fits.get(host)!, hosts.get(host)!, list, requests.length));
    }
    const batching = batchingStatement(ctx, gate);
    if (batching) out.push(batching);
  }
  return out;
}

function loopStatement(
  ctx: DiagnosisContext,
  gate: PollingGate,
  host: string,
  fit: PeriodFit,
  calls: HostCalls,
  gated: Gated[],
  nRequests: number,
): ResultDiagnosis {
  const period = fit.periodMs;
  const processing = mean(gated.map((g) => g.processingMs));
  const confidence: Confidence =
    gated.length >= HIGH_N && fit.onGridFraction >= 0.9 && fit.rayleighR >= 0.9 ? 'high' : 'medium';
  let text =
    `${gate.phase} waits for a ~${f1(period)} ms polling loop on ${host} (${gate.role}): its scans ` +
    `(${gate.scans.filter((s) => calls.scanMsgs.some((i) => ctx.input.messages.name(i) === s)).join(', ')}) ` +
    `fall on a ${f1(period)} ms grid (${pct(fit.onGridFraction)} of ${fit.n} within ` +
    `±${pct(ON_GRID_TOLERANCE)}, Rayleigh R ${fit.rayleighR.toFixed(3)}); ` +
    `${gated.length} of ${nRequests} boots' ${gate.report} follow the scan that found them, by ` +
    `${f1(processing)} ms on average`;

  // With the compute host's log: how long each boot waited for that scan.
  const measured = gated.filter(
    (g) => g.waitMs !== null && g.waitMs >= 0 && g.waitMs <= period * (1 + ON_GRID_TOLERANCE),
  );
  const waitFrom = measured[0]?.waitFrom ?? null;
  const allWaits = gated.filter((g) => g.waitMs !== null);
  let saving: number;
  let savingText: string;
  let waits: PollingLoopEvidence['waits'] = null;
  const enough =
    waitFrom !== null && measured.length >= MIN_GATED && measured.length >= MIN_GATED_FRACTION * allWaits.length;
  const w = enough ? measured.map((g) => g.waitMs!) : [];
  const ks = enough ? ksUniform(w.map((x) => x / period)) : null;
  // The first log phase is the wait itself; a later one starts before the device appears,
  // so it only bounds the wait from above.
  const exact = enough && waitFrom === gate.waitFrom[0];
  if (enough && ks !== null) {
    waits = {
      from: waitFrom,
      exact,
      n: w.length,
      meanMs: mean(w),
      minMs: Math.min(...w),
      maxMs: Math.max(...w),
      meanOverPeriod: mean(w) / period,
      ksD: ks.d,
      ksP: ks.p,
    };
  }
  if (exact && ks !== null) {
    saving = mean(w);
    savingText =
      `from ${waitFrom}'s start to that scan: mean ${f1(saving)} ms (${(saving / period).toFixed(2)} ` +
      `of the period, KS p ${ks.p.toFixed(2)} against waiting for the next tick, n=${w.length})`;
  } else {
    // A device appearing at a random moment waits half a period on average.
    saving = period / 2;
    savingText =
      `a device appearing at a random moment waits ${f1(saving)} ms for the next scan on average` +
      (enough && ks !== null
        ? ` (from ${waitFrom}'s start to that scan: mean ${f1(mean(w))} ms, an upper bound: the device appears ` +
          `later than that)`
        : ' (no compute-host log marker for the wait)');
  }
  text += `; ${savingText}`;

  // How much of the hypervisor spawn was waiting for the event the report causes.
  const inside = gated.filter((g) => g.request.phases[gate.within] && g.request.phases[gate.phase]);
  let share: PollingLoopEvidence['share'] = null;
  if (inside.length >= MIN_GATED) {
    const withMarker = inside.filter((g) => g.request.phases['spawn.vif_plugged_wait']);
    const useMarker = withMarker.length >= MIN_GATED;
    const part = (useMarker ? withMarker : inside).map((g) => {
      const r = g.request;
      return useMarker
        ? r.phases['spawn.vif_plugged_wait'].ms
        : (r.phases[gate.phase].endNs - r.phases[gate.within].startNs) / 1e6;
    });
    const whole = (useMarker ? withMarker : inside).map((g) => g.request.phases[gate.within].ms);
    const ratio = mean(part) / mean(whole);
    share = {
      part: useMarker ? 'spawn.vif_plugged_wait' : `${gate.within} start → ${gate.awaited} reaching the host`,
      n: part.length,
      meanMs: mean(part),
      ofMs: mean(whole),
      ratio,
    };
    text += useMarker
      ? `; spawn.vif_plugged_wait is ${f1(mean(part))} ms of ${gate.within}'s ${f1(mean(whole))} ms (${pct(ratio)})`
      : `; from ${gate.within}'s start until ${gate.awaited} reached the host: ${f1(mean(part))} ms of its ` +
        `${f1(mean(whole))} ms (${pct(ratio)})`;
  }

  // What-if: an agent that reported at once would not have made the boot wait for the scan.
  const totals = gated.map((g) => g.request.phases.total?.ms).filter((x): x is number => x !== undefined);
  const meanTotal = mean(totals);
  const whatIf = meanTotal - saving;
  text +=
    `; had the agent reported each device at once, mean total would be ${f1(whatIf)} ms ` +
    `(−${pct(saving / meanTotal)}); confidence ${confidence}`;

  const sorted = [...gated].sort((a, b) => a.processingMs - b.processingMs);
  return {
    kind: 'timer',
    phase: gate.phase,
    host,
    periodMs: period,
    text,
    evidence: {
      confidence,
      vim: gate.vim,
      loop: 'polling' as const,
      role: gate.role,
      scans: gate.scans,
      report: gate.report,
      grid: {
        periodMs: period,
        gridPoint: ctx.time(fit.gridNs),
        gridPointUnixNs: ctx.unixNs(fit.gridNs),
        messages: fit.n,
        distinctTicks: fit.ticks,
        rayleighR: fit.rayleighR,
        onGridFraction: fit.onGridFraction,
        jitterMs: fit.jitterMs,
        falseAlarm: fit.falseAlarm,
        first: ctx.ref(calls.scanMsgs[0]),
        last: ctx.ref(calls.scanMsgs[calls.scanMsgs.length - 1]),
      },
      gated: { n: gated.length, of: nRequests, meanScanToReportMs: processing },
      waits,
      share,
      whatIf: { meanTotalMs: meanTotal, savingMs: saving, totalMs: whatIf, measured: saving !== period / 2 },
      examples: [sorted[0], sorted[sorted.length >> 1], sorted[sorted.length - 1]].map((g) => ({
        request: g.request.id,
        scan: ctx.ref(g.scanMsg),
        scanToReportMs: g.processingMs,
        waitMs: g.waitMs,
      })),
    },
  };
}

/** The events the reports cause, held and sent several to a POST (neutron's send_events_interval). */
function batchingStatement(ctx: DiagnosisContext, gate: PollingGate): ResultDiagnosis | null {
  const { messages } = ctx.input;
  let posts = 0;
  const several: number[] = [];
  for (let i = 0; i < messages.length; i++) {
    if (messages.name(i) !== gate.eventPost || messages.vim(i) !== gate.vim) continue;
    posts++;
    if ((messages.ids(i).servers?.length ?? 0) > 1) several.push(i);
  }
  if (posts < MIN_GATED || several.length < MIN_BATCHED_FRACTION * posts) return null;
  const sizes = several.map((i) => messages.ids(i).servers!.length);
  const byServer = new Map(
    ctx.input.requests
      .filter((r) => r.vim === gate.vim && r.phases[gate.phase])
      .map((r) => [r.id, r.phases[gate.phase].startNs] as const),
  );
  const held = ctx.input.requests
    .filter((r) => r.vim === gate.vim && r.phases[`${gate.phase}.neutron`])
    .map((r) => r.phases[`${gate.phase}.neutron`].ms);
  const sender = endpointHost(messages.src(several[0]));
  // How long the first event of each batch was held: its server's report → the POST.
  const heldMs = several.flatMap((i) => {
    const firsts = messages
      .ids(i)
      .servers!.map((s) => byServer.get(s))
      .filter((x): x is number => x !== undefined);
    return firsts.length ? [(messages.t(i) - Math.min(...firsts)) / 1e6] : [];
  });
  return {
    kind: 'batching',
    phase: `${gate.phase}.neutron`,
    host: sender,
    text:
      `${gate.phase}.neutron includes events held by ${sender} and sent several to one ${gate.eventPost}: ` +
      `${several.length} of ${posts} POSTs carried events for ` +
      `${Math.min(...sizes)}–${Math.max(...sizes)} servers (neutron-server's send_events_interval)` +
      (heldMs.length ? `, the first event of a batch held ${f1(median(heldMs))} ms (median)` : '') +
      (held.length ? `; ${gate.phase}.neutron mean ${f1(mean(held))} ms` : ''),
    windowMs: heldMs.length ? median(heldMs) : 0,
    evidence: {
      vim: gate.vim,
      batch: 'events' as const,
      message: gate.eventPost,
      posts,
      carryingSeveral: several.length,
      serversPerPost: { min: Math.min(...sizes), max: Math.max(...sizes), mean: mean(sizes) },
      examples: several.slice(0, 3).map((i) => ctx.ref(i)),
    },
  };
}
