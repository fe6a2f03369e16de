/**
 * Compute-host logs into the timelines. A log event naming a request (instance uuid, alloc
 * id) with a sub-phase edge becomes the milestone `log:<phase>.<edge>` of that request,
 * placed on the capture clock with its host's offset. The offset is bounded from
 * causality (the anchors below: a log edge that reacts to a message comes after it on the
 * wire, one that a message reports comes before it), intersected with any estimate the
 * capture itself gave for the same machine (Nomad task-event times), or given by the user.
 */
import type { SessionClock } from '../capture/sessionClock.js';
import type { ParsedLog } from '../logs/types.js';
import type { Vim } from '../dissectors/types.js';
import { ClockBounds } from './clockBounds.js';
import { groupWhrBlocks } from '../logs/whrBlocks.js';
import { joinWhrBlocks, type WhrCrossCheck, type WhrJoin } from './joinWhrBlocks.js';
import type { ClockEstimate, LogTarget } from './types.js';

/** A causal relation between a log edge and a wire milestone (the first observed of `wire`). */
export interface LogAnchor {
  vim: Vim;
  log: string;
  relation: 'after' | 'before';
  wire: string[];
}

export const logAnchors: readonly LogAnchor[] = [
  // nova-compute starts building when build_and_run_instance reaches it…
  { vim: 'nova', log: 'log:build.begin', relation: 'after', wire: ['build.deliver', 'build.publish'] },
  { vim: 'nova', log: 'log:spawn.begin', relation: 'after', wire: ['build.deliver', 'build.publish'] },
  // …saves the instance active after the hypervisor spawn returned…
  {
    vim: 'nova',
    log: 'log:spawn.end',
    relation: 'before',
    wire: ['save.active.publish', 'save.active.deliver', 'create.end.publish'],
  },
  // With a real hypervisor and Neutron, the spawn resumes the domain only once
  // network-vif-plugged has reached the host.
  { vim: 'nova', log: 'log:spawn.vif_plugged_wait.end', relation: 'after', wire: ['vif.event.deliver'] },
  { vim: 'nova', log: 'log:spawn.libvirt_spawn.end', relation: 'after', wire: ['vif.event.deliver'] },
  // …and leaves _build_and_run_instance after sending instance.create.end.
  { vim: 'nova', log: 'log:build.end', relation: 'after', wire: ['create.end.publish', 'save.active.publish'] },
  // The Nomad client's driver starts once Alloc.GetAllocs delivered the alloc…
  { vim: 'nomad', log: 'log:driver.begin', relation: 'after', wire: ['getallocs.reply.last'] },
  { vim: 'nomad', log: 'log:driver.download_artifact.begin', relation: 'after', wire: ['getallocs.reply.last'] },
  // …and Node.UpdateAlloc reports the task running after it ended.
  { vim: 'nomad', log: 'log:driver.end', relation: 'before', wire: ['update.running.first'] },
  { vim: 'nomad', log: 'log:driver.clean.end', relation: 'before', wire: ['update.running.first'] },
];

export interface MergeLogsResult {
  clocks: Record<string, ClockEstimate>;
  warnings: string[];
  /** Per log file: events with an id, and how many joined a request. */
  files: { file: string; host: string; events: number; joined: number; related: boolean }[];
  /** The study's whr build blocks: which request each joined, or which it was ambiguous between. */
  whr: { file: string; joins: WhrJoin[]; crossChecks: WhrCrossCheck[] }[];
  /**
   * Addresses whose wire estimate is now part of a log host's (one machine, one entry):
   * the caller drops their own entries.
   */
  folded: string[];
}

/**
 * @param wireClocks estimates the capture already gave, by host address (Nomad task events,
 *   Nova notification timestamps)
 * @param overrides known offsets in ms, by log host name or address
 */
export function mergeLogs(
  targets: readonly LogTarget[],
  logs: readonly ParsedLog[],
  clock: SessionClock,
  wireClocks: Record<string, ClockEstimate> = {},
  overrides: Record<string, number> = {},
): MergeLogsResult {
  const byId = new Map(targets.map((t) => [t.id, t]));
  const result: MergeLogsResult = { clocks: {}, warnings: [], files: [], whr: [], folded: [] };
  // Per log host: its causal bounds and the addresses its requests were observed at.
  const hosts = new Map<string, { bounds: ClockBounds; addresses: Set<string> }>();
  const joined: { host: string; target: LogTarget; name: string; hostRel: number }[] = [];
  for (const log of logs) {
    // whr prints name no request: joined by time below, once clocks are known.
    if (log.formats.length === 1 && log.formats[0] === 'whr') continue;
    let withId = 0,
      matched = 0;
    for (const ev of log.events) {
      if (!ev.id || !ev.phase || !ev.edge) continue;
      withId++;
      const target = byId.get(ev.id);
      if (!target) continue;
      matched++;
      const name = `log:${ev.phase}.${ev.edge}`;
      const hostRel = clock.relativeFromUnixNs(ev.timeNs);
      let h = hosts.get(ev.host);
      if (!h) hosts.set(ev.host, (h = { bounds: new ClockBounds(), addresses: new Set() }));
      for (const a of logAnchors) {
        if (a.vim !== target.vim || a.log !== name) continue;
        const obs = a.wire.map((w) => target.milestones.get(w)).find((o) => o !== undefined);
        if (!obs) continue;
        if (a.relation === 'after') h.bounds.after(hostRel, obs.t);
        else h.bounds.before(hostRel, obs.t);
        if (obs.host) h.addresses.add(obs.host);
      }
      joined.push({ host: ev.host, target, name, hostRel });
    }
    const related = matched > 0;
    result.files.push({ file: log.file, host: log.host, events: withId, joined: matched, related });
    if (!related) {
      result.warnings.push(
        withId === 0
          ? `log ${log.file}: no line names a request (no vimts marker or id found in ${log.counters.lines} ` +
              `lines); not merged`
          : `log ${log.file}: none of its ${withId} timed lines names a request in this capture: a log of ` +
              `another run? Not merged`,
      );
    }
  }
  for (const [host, h] of hosts) {
    const given = overrides[host];
    if (given !== undefined) {
      result.clocks[host] = { offsetMs: given, uncertaintyMs: 0, source: 'given (--clock-offset)', constraints: 0 };
      continue;
    }
    // The capture may already bound this machine's clock (by its address): intersect,
    // when the two agree; when they do not, the log is on another clock than that host's
    // messages (or joined wrongly): keep the log's own bounds and say so.
    const wireSources: string[] = [];
    const folded: string[] = [];
    for (const addr of h.addresses) {
      const w = wireClocks[addr];
      if (!w) continue;
      const lo = (w.offsetMs - w.uncertaintyMs) * 1e6,
        hi = (w.offsetMs + w.uncertaintyMs) * 1e6;
      if (lo <= h.bounds.upper && hi >= h.bounds.lower) {
        h.bounds.before(lo, 0);
        h.bounds.after(hi, 0);
        wireSources.push(`${w.source} (${addr})`);
        folded.push(addr);
      } else {
        result.warnings.push(
          `log host ${host}: its markers put its clock outside what the capture shows for ${addr} ` +
            `(${w.offsetMs.toFixed(3)} ± ${w.uncertaintyMs.toFixed(3)} ms); using the log's own bounds`,
        );
      }
    }
    const e = h.bounds.estimate(
      [
        `log markers vs. the messages ` +
          `that caused or reported them${h.addresses.size ? ` (${[...h.addresses].join(', ')})` : ''}`,
        ...wireSources,
      ].join('; '),
    );
    if (e) {
      if (h.addresses.size) e.addresses = [...h.addresses].sort();
      result.clocks[host] = e;
      result.folded.push(...folded);
    } else
      result.warnings.push(
        `log host ${host}: no causal bound on both sides, its clock offset is unknown; its markers are ` +
          `placed as written`,
      );
  }
  for (const j of joined) {
    const c = result.clocks[j.host];
    const t = j.hostRel - (c ? c.offsetMs * 1e6 : 0);
    const cur = j.target.milestones.get(j.name);
    if (!cur) j.target.milestones.set(j.name, { t, rawT: j.hostRel, source: 'log', host: j.host });
  }
  for (const log of logs.filter((l) => l.formats.includes('whr')))
    joinWhr(log, targets, clock, wireClocks, overrides, result);
  return result;
}

/**
 * The host clock for a whr file: given, or that of a log host of the same name, or the
 * capture's own estimate for the compute host's address (Nova notification timestamps).
 */
function joinWhr(
  log: ParsedLog,
  targets: readonly LogTarget[],
  clock: SessionClock,
  wireClocks: Record<string, ClockEstimate>,
  overrides: Record<string, number>,
  result: MergeLogsResult,
): void {
  const blocks = groupWhrBlocks(log.events.filter((e) => e.format === 'whr'));
  if (blocks.length === 0) return;
  const computeAddrs = targets
    .map((t) => t.milestones.get('build.deliver')?.host ?? t.milestones.get('build.publish')?.host)
    .filter((h): h is string => !!h);
  const addr = mostCommon(computeAddrs);
  const given = overrides[log.host];
  const est =
    given !== undefined
      ? { offsetMs: given, uncertaintyMs: 0 }
      : (result.clocks[log.host] ?? (addr ? wireClocks[addr] : undefined) ?? soleLogClock(result));
  if (!est) {
    result.warnings.push(
      `log ${log.file}: whr prints name no request and no clock estimate exists for their host; pass ` +
        `--clock-offset ${log.host}=OFFSETms or a log with vimts markers`,
    );
    return;
  }
  const { joins, crossChecks } = joinWhrBlocks(
    blocks,
    targets,
    clock,
    est.offsetMs * 1e6,
    est.uncertaintyMs * 1e6,
    log.host,
  );
  result.whr.push({ file: log.file, joins, crossChecks });
  result.files.push({
    file: log.file,
    host: log.host,
    events: blocks.length,
    joined: joins.filter((j) => j.request).length,
    related: joins.some((j) => j.request),
  });
  const ambiguous = joins.filter((j) => !j.request && j.ambiguousWith.length > 1);
  if (ambiguous.length)
    result.warnings.push(
      `log ${log.file}: ${ambiguous.length} of ${blocks.length} whr build blocks fit several requests and ` +
        `were not joined`,
    );
  const worst = crossChecks.reduce((m, c) => Math.max(m, Math.abs(c.diffMs)), 0);
  if (crossChecks.length && worst > 2)
    result.warnings.push(
      `log ${log.file}: whr durations disagree with the vimts markers by up to ${worst.toFixed(3)} ms`,
    );
}

function mostCommon(xs: string[]): string | undefined {
  const n = new Map<string, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** With exactly one marker-bearing log host, a whr file without a host name is on it. */
function soleLogClock(result: MergeLogsResult): ClockEstimate | undefined {
  const hosts = Object.values(result.clocks);
  return hosts.length === 1 ? hosts[0] : undefined;
}
