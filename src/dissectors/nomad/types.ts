/**
 * Typed Nomad events from the Nomad dissectors (RPC on 4647, HTTP API on 4646), for the
 * timeline, and their `messages --json` form. No secret (SecretID, AuthToken,
 * X-Nomad-Token) is ever a field of these events.
 */
import { internIds } from '../internIds.js';
import type { HttpEventBase, MessageIds, Observation, VimMessage } from '../types.js';

/** A task event of a `Node.UpdateAlloc`. */
export interface NomadTaskEvent {
  /** `Received`, `Task Setup`, `Driver`, `Started`, `Killing`, … */
  type: string;
  /**
   * `TaskEvent.Time`: Unix nanoseconds on the Nomad client's clock, as a decimal string
   * (it does not fit a double exactly; `BigInt(timeNs)` to compute with it). Absent when
   * the event carried no time.
   */
  timeNs?: string;
}

export interface NomadTaskState {
  state: string;
  failed: boolean;
  restarts: number;
  events: NomadTaskEvent[];
}

/** One allocation as an RPC carried it (only the fields the timeline uses). */
export interface NomadAlloc {
  id: string;
  jobId?: string;
  evalId?: string;
  nodeId?: string;
  clientStatus?: string;
  desiredStatus?: string;
  clientDescription?: string;
  /** Task name → state (Node.UpdateAlloc). */
  taskStates?: Record<string, NomadTaskState>;
  allocModifyIndex?: number;
}

/** One Nomad RPC call with its reply. Times in the observations are relative ns. */
export interface NomadRpcEvent {
  /** `Node.GetClientAllocs`, `Alloc.GetAllocs`, … (any name, known or not). */
  method: string;
  /** yamux stream id (0 on a plain RPC connection). */
  streamId: number;
  conn: number;
  seq: number;
  request: Observation;
  response: Observation | null;
  /** Encoded sizes (msgpack header + body) of the request and the response. */
  requestBytes: number;
  responseBytes: number | null;
  /** The response header's Error, when not empty. */
  error?: string;
  ids: MessageIds;
  /** True for methods that long-poll (`MinQueryIndex` given): their duration is waiting. */
  blocking?: boolean;
  minQueryIndex?: number;
  /** Reply `Index` (the state index the reply reflects). */
  index?: number;
  /** `Node.GetClientAllocs` reply: alloc id → AllocModifyIndex. */
  clientAllocs?: Record<string, number>;
  /** `Alloc.GetAllocs` request ids. */
  allocIds?: string[];
  /** Allocations carried: `Alloc.GetAllocs` reply, `Node.UpdateAlloc` request. */
  allocs?: NomadAlloc[];
  /** `Node.UpdateStatus` status, `Node.Register` node status. */
  nodeStatus?: string;
  /** `Job.Register`, `Eval.*`: reply EvalID / request job id when present. */
  evalId?: string;
  jobId?: string;
}

/** One HTTP API exchange with the Nomad server. */
export interface NomadHttpEvent extends HttpEventBase {
  /** Route template, `PUT /v1/jobs`, `GET /v1/job/{id}/allocations` (no query). */
  route: string;
  /** `job` (path or request body `Job.ID`), `eval` (reply EvalID), `alloc` (path). */
  ids: MessageIds;
  /** Blocking query (`?index=N`): the index waited past, and the `X-Nomad-Index` answered. */
  blocking?: boolean;
  queryIndex?: number;
  responseIndex?: number;
  /** Job registration reply fields. */
  evalCreateIndex?: number;
  jobModifyIndex?: number;
  index?: number;
  /** `GET /v1/job/{id}/allocations` and `/v1/allocation/{id}`: allocs and their client status. */
  allocs?: { id: string; clientStatus?: string; evalId?: string }[];
  /** Why the exchange is incomplete (from the HTTP parser). */
  incomplete?: string;
}

export type NomadEvent = ({ kind: 'rpc' } & NomadRpcEvent) | ({ kind: 'http' } & NomadHttpEvent);

const nsPerMs = 1e6;

/** The `messages --json` line of a Nomad event (service: the Nomad server answered it). */
export function nomadMessage(ev: NomadRpcEvent | NomadHttpEvent): VimMessage {
  if ('streamId' in ev) {
    const rpc = ev;
    const { first: t, src, dst } = rpc.request;
    const ids = internIds(rpc.ids);
    // Whole literals (status before ids when there is one): a property spread in or added
    // later would put each kept message's properties in an extra array.
    if (!rpc.response)
      return { t, vim: 'nomad', type: 'nomad-rpc', name: rpc.method, service: 'nomad-server', src, dst, ms: null, ids };
    const ms = (rpc.response.last - t) / nsPerMs;
    return {
      t,
      vim: 'nomad',
      type: 'nomad-rpc',
      name: rpc.method,
      service: 'nomad-server',
      src,
      dst,
      ms,
      status: rpc.error ?? 'ok',
      ids,
    };
  }
  const http = ev;
  const t = http.reqFirst;
  const ms = http.respLast !== null ? (http.respLast - t) / nsPerMs : null;
  const ids = internIds(http.ids);
  if (http.status === null)
    return {
      t,
      vim: 'nomad',
      type: 'http',
      name: http.route,
      service: 'nomad-server',
      src: http.src,
      dst: http.dst,
      ms,
      ids,
    };
  return {
    t,
    vim: 'nomad',
    type: 'http',
    name: http.route,
    service: 'nomad-server',
    src: http.src,
    dst: http.dst,
    ms,
    status: http.status,
    ids,
  };
}
