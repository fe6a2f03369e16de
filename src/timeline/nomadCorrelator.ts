/**
 * Nomad: HTTP API and RPC events → one request per allocation, keyed job id → eval id →
 * alloc id. Milestone names are those of nomadPhaseModel. The task event `Started` is
 * stamped on the client's clock: the client's offset is bounded from causality (task
 * events follow the Alloc.GetAllocs reply that delivered the alloc and precede the
 * Node.UpdateAlloc that reports them) and `Started` is placed on the capture clock with it.
 */
import type { SessionClock } from '../capture/sessionClock.js';
import type { NomadAlloc, NomadHttpEvent, NomadRpcEvent } from '../dissectors/nomad/types.js';
import { ClockBounds } from './clockBounds.js';
import { enforceOpenLimit, rememberBounded, type OpenRequestLimit } from './openRequestLimit.js';
import type { ClockEstimate, MilestoneObservation, MilestoneSet, RequestKeys } from './types.js';
import { endpointHost } from '../net/ipPacket.js';

export interface NomadRequestDraft {
  keys: RequestKeys;
  milestones: MilestoneSet;
  notes: string[];
  /** Already handed out by takeComplete (streaming). */
  emitted?: boolean;
}

interface JobRegistration {
  job?: string;
  eval?: string;
  first: MilestoneObservation;
  last?: MilestoneObservation;
}

interface AllocState {
  draft: NomadRequestDraft;
  /** Client-clock Unix ns of the first `Started` event, and of every task event seen. */
  startedClientNs?: bigint;
  eventClientNs: bigint[];
  clientHost?: string;
}

/** HTTP routes that register a job. */
export const jobRegisterRoutes: ReadonlySet<string> = new Set([
  'PUT /v1/jobs',
  'POST /v1/jobs',
  'PUT /v1/job/{id}',
  'POST /v1/job/{id}',
]);

/** Job registrations kept (the oldest dropped past it). */
const maxRegistrations = 50_000;

export class NomadCorrelator {
  private readonly allocs = new Map<string, AllocState>();
  /** Allocs held (in live sessions: not yet handed out). */
  get openCount(): number {
    return this.allocs.size;
  }
  private readonly registrations: JobRegistration[] = [];
  private readonly registrationByEval = new Map<string, JobRegistration>();
  readonly clocks: Record<string, ClockEstimate> = {};
  /** Causal bounds per client host, accumulated as reports arrive. */
  private readonly bounds = new Map<string, ClockBounds>();

  constructor(
    private readonly clock: SessionClock,
    /** Known offsets (ms) by client host, overriding the estimate. */
    private readonly clockOverrides: Record<string, number> = {},
    private readonly limit?: OpenRequestLimit,
  ) {}

  private readonly released = new Set<string>();
  private readonly scratch: AllocState = { draft: { keys: {}, milestones: new Map(), notes: [] }, eventClientNs: [] };

  private alloc(id: string): AllocState {
    if (this.released.has(id)) {
      this.scratch.draft.milestones.clear();
      this.scratch.eventClientNs = [];
      return this.scratch;
    }
    let a = this.allocs.get(id);
    if (!a) {
      this.allocs.set(
        id,
        (a = { draft: { keys: { alloc: id }, milestones: new Map(), notes: [] }, eventClientNs: [] }),
      );
      enforceOpenLimit(this.allocs, (x) => !x.draft.milestones.has('update.running.first'), this.limit);
    }
    return a;
  }

  private setFirst(d: NomadRequestDraft, name: string, obs: MilestoneObservation): void {
    const cur = d.milestones.get(name);
    if (!cur || obs.t < cur.t) d.milestones.set(name, obs);
  }

  http(ev: NomadHttpEvent): void {
    if (!jobRegisterRoutes.has(ev.route) || ev.status === null || ev.status >= 300) return;
    const reg: JobRegistration = {
      job: ev.ids.job,
      eval: ev.ids.eval,
      first: { t: ev.reqFirst, source: 'capture', host: endpointHost(ev.dst) },
      last: ev.respLast !== null ? { t: ev.respLast, source: 'capture', host: endpointHost(ev.src) } : undefined,
    };
    this.registrations.push(reg);
    if (reg.eval) this.registrationByEval.set(reg.eval, reg);
    // Bounded for week-long live runs: a registration matters until its allocs run (minutes).
    if (this.registrations.length > maxRegistrations) {
      const old = this.registrations.shift()!;
      if (old.eval && this.registrationByEval.get(old.eval) === old) this.registrationByEval.delete(old.eval);
    }
  }

  /** The job registration whose eval created this alloc. */
  private joinRegistration(d: NomadRequestDraft): void {
    const reg = d.keys.eval ? this.registrationByEval.get(d.keys.eval) : undefined;
    if (!reg) return;
    d.keys.job ??= reg.job;
    this.setFirst(d, 'put.first', reg.first);
    if (reg.last) this.setFirst(d, 'put.last', reg.last);
  }

  rpc(ev: NomadRpcEvent): void {
    if (ev.method === 'Node.GetClientAllocs' && ev.response && ev.clientAllocs) {
      const obs: MilestoneObservation = { t: ev.response.last, source: 'capture', host: endpointHost(ev.response.dst) };
      for (const id of Object.keys(ev.clientAllocs))
        this.setFirst(this.alloc(id).draft, 'clientallocs.reply.last', obs);
      return;
    }
    if (ev.method === 'Alloc.GetAllocs' && ev.response && ev.allocs) {
      const obs: MilestoneObservation = { t: ev.response.last, source: 'capture', host: endpointHost(ev.response.dst) };
      for (const al of ev.allocs) {
        const a = this.alloc(al.id);
        this.setFirst(a.draft, 'getallocs.reply.last', obs);
        if (al.jobId) a.draft.keys.job ??= al.jobId;
        if (al.evalId) a.draft.keys.eval ??= al.evalId;
        this.joinRegistration(a.draft);
      }
      return;
    }
    if (ev.method === 'Node.UpdateAlloc' && ev.allocs) {
      for (const al of ev.allocs) this.updateAlloc(al, ev);
    }
  }

  private updateAlloc(al: NomadAlloc, ev: NomadRpcEvent): void {
    const a = this.alloc(al.id);
    a.clientHost ??= endpointHost(ev.request.src);
    if (al.clientStatus === 'running') {
      this.setFirst(a.draft, 'update.running.first', {
        t: ev.request.first,
        source: 'capture',
        host: endpointHost(ev.request.dst),
      });
    }
    for (const st of Object.values(al.taskStates ?? {})) {
      for (const te of st.events) {
        if (te.timeNs === undefined) continue;
        const t = BigInt(te.timeNs);
        if (t <= 0n) continue;
        if (!a.eventClientNs.includes(t)) {
          a.eventClientNs.push(t);
          this.addBounds(a, t, ev.request.first);
        }
        if (te.type === 'Started' && (a.startedClientNs === undefined || t < a.startedClientNs)) a.startedClientNs = t;
      }
    }
  }

  /** A task event stamped `clientNs` was reported by a message sent at `captureNs`, after the alloc was delivered. */
  private addBounds(a: AllocState, clientNs: bigint, captureNs: number): void {
    const host = a.clientHost!;
    let b = this.bounds.get(host);
    if (!b) this.bounds.set(host, (b = new ClockBounds()));
    const hostRel = this.clock.relativeFromUnixNs(clientNs);
    b.before(hostRel, captureNs);
    const delivered = a.draft.milestones.get('getallocs.reply.last');
    if (delivered) b.after(hostRel, delivered.t);
  }

  /** Each client's clock offset from the bounds gathered so far. */
  private estimateClocks(): void {
    for (const [host, b] of this.bounds) {
      const over = this.clockOverrides[host];
      if (over !== undefined) {
        this.clocks[host] = { offsetMs: over, uncertaintyMs: 0, source: 'given (--clock-offset)', constraints: 0 };
        continue;
      }
      const e = b.estimate('task event times vs. the RPCs that delivered and reported them');
      if (e) this.clocks[host] = e;
    }
  }

  /** Place the alloc's `Started` on the capture clock with the current estimate. */
  private placeStarted(a: AllocState, final: boolean): void {
    if (a.startedClientNs === undefined || !a.clientHost) return;
    const c = this.clocks[a.clientHost];
    const raw = this.clock.relativeFromUnixNs(a.startedClientNs);
    if (!c && final) a.draft.notes.push(`no clock estimate for ${a.clientHost}: Started taken on its clock as is`);
    a.draft.milestones.set('started.client', {
      t: raw - (c ? c.offsetMs * 1e6 : 0),
      rawT: raw,
      source: 'client-clock',
      host: a.clientHost,
    });
  }

  /**
   * Streaming: drafts that became complete under `isComplete` since the last call. Their
   * client-clock times use the offset estimated from what has been seen so far; the final
   * result (end) uses the estimate from everything.
   */
  takeComplete(isComplete: (d: NomadRequestDraft) => boolean, release = false): NomadRequestDraft[] {
    const candidates = [...this.allocs.values()].filter(
      (a) => !a.draft.emitted && a.draft.milestones.has('update.running.first'),
    );
    if (candidates.length === 0) return [];
    this.estimateClocks();
    const out: NomadRequestDraft[] = [];
    for (const a of candidates) {
      this.placeStarted(a, false);
      if (isComplete(a.draft)) {
        a.draft.emitted = true;
        out.push(a.draft);
        // Live sessions drop what they reported; later reports of the alloc are ignored.
        if (release) {
          this.allocs.delete(a.draft.keys.alloc!);
          rememberBounded(this.released, a.draft.keys.alloc!);
        }
      }
    }
    return out;
  }

  end(): NomadRequestDraft[] {
    this.estimateClocks();
    const jobs = new Set(this.registrations.map((r) => r.job));
    const out: NomadRequestDraft[] = [];
    for (const a of this.allocs.values()) {
      const d = a.draft;
      this.joinRegistration(d);
      if (!d.milestones.has('put.first') && d.keys.job && jobs.has(d.keys.job)) {
        d.notes.push(`job ${d.keys.job} registered, but not with this alloc's eval ${d.keys.eval ?? '?'}`);
      }
      this.placeStarted(a, true);
      out.push(d);
    }
    return out;
  }
}
