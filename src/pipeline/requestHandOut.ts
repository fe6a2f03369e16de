/**
 * Streaming hand-out inside one analysis: each request goes to `onRequest` once its phases are
 * complete (after `logGraceNs`, so that the compute host's last log lines are in), with the
 * logs read so far merged; live sessions release what they handed out from the correlators
 * and keep it here, bounded, for the final result.
 */
import { buildPhases } from '../timeline/buildPhases.js';
import type { NomadCorrelator } from '../timeline/nomadCorrelator.js';
import type { NovaCorrelator } from '../timeline/novaCorrelator.js';
import { nomadPhaseModel, novaPhaseModel } from '../timeline/phaseModel.js';
import type {
  ClockEstimate,
  LogTarget,
  MilestoneSet,
  PhaseModel,
  RequestKeys,
  RequestTimeline,
} from '../timeline/types.js';
import { mergeLogsInto, provisionalLogTargets, type LogMergeInput } from './sessionLogs.js';
import type { SessionOptions } from './sessionOptions.js';

/** Released (live) requests kept for the final result. */
const maxRetainedRequests = 100_000;
/** Live with logs: the released requests whose log milestones also bound the host clocks. */
const releasedClockWitnesses = 200;

interface Draft {
  keys: RequestKeys;
  milestones: MilestoneSet;
  notes: string[];
}

interface Ready {
  model: PhaseModel;
  id: string;
  d: Draft;
}

interface Released extends Draft {
  model: PhaseModel;
  id: string;
  at: number;
}

/** What the hand-out reads of its session: the correlators, the logs, the clocks so far. */
export interface HandOutSource {
  nova: NovaCorrelator;
  nomad: NomadCorrelator;
  logInput(): LogMergeInput | null;
  clocks(): Record<string, ClockEstimate>;
}

export class RequestHandOut {
  private readonly emittedIds = new Set<string>();
  /** Released requests dropped from the final result (past the bound or the retain window). */
  forgotten = 0;
  /** Complete, waiting out logGraceNs before they are handed out. */
  private readonly waiting: (Ready & { at: number })[] = [];
  /** Requests handed out and released from the correlators (live), kept for the final result. */
  private readonly released: Released[] = [];
  /** Streaming with logs: the requests handed out, whose log sub-phases place the host clocks. */
  private readonly emittedDrafts: LogTarget[] = [];

  constructor(
    private readonly options: SessionOptions,
    private readonly from: HandOutSource,
  ) {}

  /** Hand out what is complete by capture time `now`; `flush`: without waiting out the grace time. */
  handOut(now: number, flush = false): void {
    const onRequest = this.options.onRequest;
    if (!onRequest) return;
    const complete = (model: PhaseModel) => (d: { milestones: MilestoneSet }) =>
      buildPhases(model, d.milestones).complete;
    const release = this.options.releaseEmitted ?? false;
    for (const d of this.from.nova.takeComplete(complete(novaPhaseModel), release, now))
      this.waiting.push({ model: novaPhaseModel, id: d.keys.server!, d, at: now });
    for (const d of this.from.nomad.takeComplete(complete(nomadPhaseModel), release))
      this.waiting.push({ model: nomadPhaseModel, id: d.keys.alloc!, d, at: now });
    // Complete on the wire since `logGraceNs` (in completion order): their last log lines are in by now.
    const grace = flush ? 0 : (this.options.logGraceNs ?? 0);
    let n = 0;
    while (n < this.waiting.length && now - this.waiting[n].at >= grace) n++;
    if (n === 0) return;
    const ready = this.waiting.splice(0, n);
    // Live (released requests): logs merged into the drafts themselves, over a bounded set of
    // recent requests; streaming offline: provisional copies (finish() merges once).
    const withLogs = release ? this.mergeLogsLive(ready) : this.provisionalLogMerge(ready);
    for (const { model, id, d } of ready) {
      this.emittedIds.add(id);
      if (release) {
        this.released.push({ model, id, keys: d.keys, milestones: d.milestones, notes: d.notes, at: now });
        const window = this.options.retainReleasedNs ?? Number.POSITIVE_INFINITY;
        while (
          this.released.length > maxRetainedRequests ||
          (this.released.length && now - this.released[0].at > window)
        ) {
          this.emittedIds.delete(this.released.shift()!.id);
          this.forgotten++;
        }
      }
      const merged = withLogs.get(id);
      onRequest(timelineOf(model, id, d.keys, merged?.milestones ?? d.milestones, merged?.notes ?? d.notes));
    }
  }

  /** The end: every request of the final result not handed out yet goes out now. */
  handOutRest(requests: readonly RequestTimeline[]): void {
    if (this.options.onRequest) for (const r of requests) if (!this.emittedIds.has(r.id)) this.options.onRequest(r);
  }

  /** Live: the released requests as log targets (their log milestones are set already, but they bound the clocks). */
  releasedTargets(): LogTarget[] {
    return this.released.map((r) => logTarget(r.model, r.id, r));
  }

  /**
   * The released requests for the final result. They were handed out with the clock estimate
   * of that moment: their host-clock milestones are placed again with the final one.
   */
  releasedTimelines(clocks: Record<string, ClockEstimate>): RequestTimeline[] {
    for (const r of this.released) {
      for (const [name, m] of r.milestones) {
        const c = clocks[m.host];
        if (m.source === 'client-clock' && m.rawT !== undefined && c)
          r.milestones.set(name, { ...m, t: m.rawT - c.offsetMs * 1e6 });
      }
    }
    return this.released.map((r) => timelineOf(r.model, r.id, r.keys, r.milestones, r.notes));
  }

  /** The warning that early requests were dropped from the final result, when any were. */
  forgottenWarning(): string | null {
    if (!this.forgotten) return null;
    const retain = this.options.retainReleasedNs;
    const bound =
      retain === undefined
        ? `more than ${maxRetainedRequests} kept`
        : `handed out more than ${retain / 1e9} s before the end, or more than ${maxRetainedRequests}`;
    return `${this.forgotten} early requests were reported and then dropped from the final result (${bound})`;
  }

  /**
   * Streaming with logs: the log sub-phases of the requests handed out now, placed with the
   * clock estimates of what has been seen so far (finish() places them again with all of it).
   * The drafts are not changed: finish() merges the logs into them once.
   */
  private provisionalLogMerge(ready: Ready[]): Map<string, LogTarget> {
    const input = this.from.logInput();
    if (!input) return new Map();
    for (const r of ready) this.emittedDrafts.push(logTarget(r.model, r.id, r.d));
    return provisionalLogTargets(input, this.emittedDrafts, new Set(ready.map((r) => r.id)), this.from.clocks());
  }

  /**
   * Live (released requests): the logs so far merged into the drafts about to be handed out
   * themselves, as finish() no longer sees them; the last released requests join as more
   * constraints on each host's clock (a bound, where provisionalLogMerge keeps every draft).
   * Warnings wait for finish().
   */
  private mergeLogsLive(ready: Ready[]): Map<string, LogTarget> {
    const input = this.from.logInput();
    if (!input) return new Map();
    const targets: LogTarget[] = [
      ...this.released.slice(-releasedClockWitnesses).map((r) => logTarget(r.model, r.id, r)),
      ...ready.map((r) => logTarget(r.model, r.id, r.d)),
    ];
    mergeLogsInto(input, targets, this.from.clocks());
    return new Map();
  }
}

/** A draft as a log target: its milestones and notes themselves, so a log merge changes the draft. */
function logTarget(model: PhaseModel, id: string, d: Draft): LogTarget {
  return { vim: model.vim, id, milestones: d.milestones, notes: d.notes };
}

/** A request's timeline from its milestones, by its VIM's phase model. */
export function timelineOf(
  model: PhaseModel,
  id: string,
  keys: RequestKeys,
  milestones: MilestoneSet,
  notes: string[],
): RequestTimeline {
  const built = buildPhases(model, milestones);
  const times = [...milestones.values()].map((m) => m.t);
  return {
    vim: model.vim,
    id,
    keys: { ...keys },
    complete: built.complete,
    missing: built.missing,
    phases: built.phases,
    absent: built.absent,
    startNs: times.length ? Math.min(...times) : 0,
    notes: [...notes],
  };
}
