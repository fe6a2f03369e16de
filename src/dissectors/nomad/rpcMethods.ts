/**
 * What each Nomad RPC method carries that the timeline needs, as a table: method name →
 * readers of its request and reply bodies (shapes of hashicorp/nomad nomad/structs), each
 * with the msgpack shape of the keys it reads — only those are decoded (nomadBodyPlan),
 * so the Job embedded in every alloc, and the secrets, are stepped over, never decoded.
 * A method not in the table is still an event, with its name, sizes and times.
 */
import type { MsgpackShape } from '../../protocols/msgpackRpc/msgpackSelect.js';
import type { MsgpackBodyPlan } from '../../protocols/msgpackRpc/msgpackRpcStreamDecoder.js';
import type { MessageIds } from '../types.js';
import type { NomadAlloc, NomadRpcEvent, NomadTaskEvent, NomadTaskState } from './types.js';

type Details = Partial<NomadRpcEvent> & { ids: MessageIds };
type BodyReader = (body: Obj, ev: Details) => void;

interface MethodSpec {
  /** Long-poll method: the reply waits for `MinQueryIndex` to pass. */
  blocking?: boolean;
  /** Reader of the request body, and the keys it reads. */
  request?: [BodyReader, MsgpackShape];
  response?: [BodyReader, MsgpackShape];
}

type Obj = Record<string, unknown>;

// ───────────────────────────── the keys each reader below reads

const indexKeys = { Index: 'number' } as const;
const nodeQueryKeys = { NodeID: 'str', MinQueryIndex: 'number' } as const;
const taskStateKeys = {
  State: 'str',
  Failed: 'bool',
  Restarts: 'number',
  Events: [{ Type: 'str', Time: 'number' }],
} as const;
const allocKeys = {
  ID: 'str',
  JobID: 'str',
  Job: { ID: 'str' },
  EvalID: 'str',
  NodeID: 'str',
  ClientStatus: 'str',
  DesiredStatus: 'str',
  ClientDescription: 'str',
  AllocModifyIndex: 'number',
  TaskStates: { '*': taskStateKeys },
} as const;
const allocsReplyKeys = { Index: 'number', Allocs: [allocKeys] } as const;
const evalKeys = { ID: 'str', JobID: 'str' } as const;
const evalsKeys = { Evals: [evalKeys] } as const;

export const nomadRpcMethods: Readonly<Record<string, MethodSpec>> = {
  'Status.Ping': {},
  'Status.Leader': {},
  'Node.Register': {
    request: [(b, ev) => nodeOf(obj(b.Node), ev), { Node: { ID: 'str', Status: 'str' } }],
    response: [replyIndex, indexKeys],
  },
  'Node.UpdateStatus': {
    request: [
      (b, ev) => {
        setNode(b.NodeID, ev);
        ev.nodeStatus = str(b.Status);
      },
      { NodeID: 'str', Status: 'str' },
    ],
    response: [replyIndex, indexKeys],
  },
  'Node.GetNode': { blocking: true, request: [nodeQuery, nodeQueryKeys], response: [replyIndex, indexKeys] },
  'Node.GetClientAllocs': {
    blocking: true,
    request: [nodeQuery, nodeQueryKeys],
    response: [
      (b, ev) => {
        replyIndex(b, ev);
        const allocs = obj(b.Allocs);
        if (!allocs) return;
        const clientAllocs = Object.create(null) as Record<string, number>; // keyed by data: a dictionary
        const ids = Object.keys(allocs); // exactly sized: kept by the message (a pushed array keeps slack)
        for (const id of ids) clientAllocs[id] = num(allocs[id]) ?? 0;
        ev.clientAllocs = clientAllocs;
        setAllocIds(ids, ev);
      },
      { Index: 'number', Allocs: { '*': true } },
    ],
  },
  'Node.GetAllocs': { blocking: true, request: [nodeQuery, nodeQueryKeys], response: [allocsReply, allocsReplyKeys] },
  'Node.UpdateAlloc': {
    request: [
      (b, ev) => {
        ev.allocs = arr(b.Alloc)
          .map(allocOf)
          .filter((a): a is NomadAlloc => a !== null);
        setAllocIds(
          ev.allocs.map((a) => a.id),
          ev,
        );
        const node = ev.allocs.find((a) => a.nodeId)?.nodeId;
        if (node) ev.ids.node = node;
      },
      { Alloc: [allocKeys] },
    ],
    response: [replyIndex, indexKeys],
  },
  'Alloc.GetAllocs': {
    blocking: true,
    request: [
      (b, ev) => {
        const ids = arr(b.AllocIDs);
        // The decoded array itself when it is all strings: exactly sized, and kept by the message.
        ev.allocIds = ids.every((x) => typeof x === 'string')
          ? ids
          : ids.filter((x): x is string => typeof x === 'string');
        setAllocIds(ev.allocIds, ev);
        queryIndex(b, ev);
      },
      { AllocIDs: true, MinQueryIndex: 'number' },
    ],
    response: [allocsReply, allocsReplyKeys],
  },
  'Alloc.GetAlloc': {
    blocking: true,
    request: [
      (b, ev) => {
        setAllocIds(typeof b.AllocID === 'string' ? [b.AllocID] : [], ev);
        queryIndex(b, ev);
      },
      { AllocID: 'str', MinQueryIndex: 'number' },
    ],
    response: [
      (b, ev) => {
        replyIndex(b, ev);
        const a = allocOf(b.Alloc);
        if (a) {
          ev.allocs = [a];
          setAllocIds([a.id], ev);
          jobEvalOf(ev);
        }
      },
      { Index: 'number', Alloc: allocKeys },
    ],
  },
  'Job.Register': {
    request: [
      (b, ev) => {
        const id = str(obj(b.Job)?.ID);
        if (id) {
          ev.jobId = id;
          ev.ids.job = id;
        }
      },
      { Job: { ID: 'str' } },
    ],
    response: [evalReply, { Index: 'number', EvalID: 'str' }],
  },
  'Job.Deregister': { request: [jobIdOf, { JobID: 'str' }], response: [evalReply, { Index: 'number', EvalID: 'str' }] },
  'Job.GetJob': {
    blocking: true,
    request: [jobQuery, { JobID: 'str', MinQueryIndex: 'number' }],
    response: [replyIndex, indexKeys],
  },
  'Job.Allocations': {
    blocking: true,
    request: [jobQuery, { JobID: 'str', MinQueryIndex: 'number' }],
    response: [replyIndex, indexKeys],
  },
  'Eval.GetEval': {
    blocking: true,
    request: [
      (b, ev) => {
        evalIdOf(b, ev);
        queryIndex(b, ev);
      },
      { EvalID: 'str', MinQueryIndex: 'number' },
    ],
    response: [replyIndex, indexKeys],
  },
  'Eval.Dequeue': {
    blocking: true,
    response: [
      (b, ev) => {
        replyIndex(b, ev);
        evalOf(obj(b.Eval), ev);
      },
      { Index: 'number', Eval: evalKeys },
    ],
  },
  'Eval.Ack': { request: [evalIdOf, { EvalID: 'str' }] },
  'Eval.Nack': { request: [evalIdOf, { EvalID: 'str' }] },
  'Eval.Update': { request: [firstEval, evalsKeys], response: [replyIndex, indexKeys] },
  'Eval.Create': { request: [firstEval, evalsKeys], response: [replyIndex, indexKeys] },
  'Eval.Reblock': { request: [firstEval, evalsKeys], response: [replyIndex, indexKeys] },
  'Plan.Submit': {
    request: [(b, ev) => evalIdOf(obj(b.Plan) ?? {}, ev), { Plan: { EvalID: 'str' } }],
    response: [replyIndex, indexKeys],
  },
};

/** What to decode of a body: the keys its reader reads, nothing for methods without one. */
export function nomadBodyPlan(method: string, kind: 'request' | 'response'): MsgpackBodyPlan {
  return (Object.hasOwn(nomadRpcMethods, method) && nomadRpcMethods[method][kind]?.[1]) || 'none';
}

/** Fill the method-specific fields of `ev` from the decoded bodies (either may be missing). */
export function readMethodDetails(method: string, request: unknown, response: unknown, ev: Details): void {
  const spec = nomadRpcMethods[method];
  if (!spec) return;
  if (spec.blocking) ev.blocking = true;
  const req = obj(request);
  const resp = obj(response);
  if (req && spec.request) spec.request[0](req, ev);
  if (resp && spec.response) spec.response[0](resp, ev);
}

// ───────────────────────────── readers shared by the table

function replyIndex(b: Obj, ev: Details): void {
  const i = num(b.Index);
  if (i !== undefined) ev.index = i;
}

function nodeQuery(b: Obj, ev: Details): void {
  setNode(b.NodeID, ev);
  queryIndex(b, ev);
}

function jobQuery(b: Obj, ev: Details): void {
  jobIdOf(b, ev);
  queryIndex(b, ev);
}

function firstEval(b: Obj, ev: Details): void {
  evalOf(obj(arr(b.Evals)[0]), ev);
}

function queryIndex(b: Obj, ev: Details): void {
  const i = num(b.MinQueryIndex);
  if (i !== undefined) ev.minQueryIndex = i;
}

function allocsReply(b: Obj, ev: Details): void {
  replyIndex(b, ev);
  ev.allocs = arr(b.Allocs)
    .map(allocOf)
    .filter((a): a is NomadAlloc => a !== null);
  if (ev.allocs.length > 0)
    setAllocIds(
      ev.allocs.map((a) => a.id),
      ev,
    );
  jobEvalOf(ev);
}

function evalReply(b: Obj, ev: Details): void {
  replyIndex(b, ev);
  const e = str(b.EvalID);
  if (e) {
    ev.evalId = e;
    ev.ids.eval = e;
  }
}

function jobIdOf(b: Obj, ev: Details): void {
  const id = str(b.JobID);
  if (id) {
    ev.jobId = id;
    ev.ids.job = id;
  }
}

function evalIdOf(b: Obj, ev: Details): void {
  const id = str(b.EvalID);
  if (id) {
    ev.evalId = id;
    ev.ids.eval = id;
  }
}

function evalOf(e: Obj | null, ev: Details): void {
  if (!e) return;
  const id = str(e.ID);
  if (id) {
    ev.evalId = id;
    ev.ids.eval = id;
  }
  const job = str(e.JobID);
  if (job) {
    ev.jobId = job;
    ev.ids.job = job;
  }
}

function nodeOf(n: Obj | null, ev: Details): void {
  if (!n) return;
  setNode(n.ID, ev);
  ev.nodeStatus = str(n.Status);
}

function setNode(id: unknown, ev: Details): void {
  if (typeof id === 'string' && id) ev.ids.node = id;
}

/** One alloc → `alloc`; several → `allocs`. */
function setAllocIds(ids: string[], ev: Details): void {
  if (ids.length === 1) {
    ev.ids.alloc = ids[0];
    delete ev.ids.allocs;
  } else if (ids.length > 1) {
    ev.ids.allocs = ids;
    delete ev.ids.alloc;
  }
}

/** When every alloc carried belongs to one job / eval, the event carries those ids too. */
function jobEvalOf(ev: Details): void {
  const jobs = new Set(ev.allocs?.map((a) => a.jobId).filter(Boolean));
  const evals = new Set(ev.allocs?.map((a) => a.evalId).filter(Boolean));
  if (jobs.size === 1) ev.ids.job = [...jobs][0];
  if (evals.size === 1) ev.ids.eval = [...evals][0];
}

function allocOf(v: unknown): NomadAlloc | null {
  const a = obj(v);
  const id = str(a?.ID);
  if (!a || !id) return null;
  const out: NomadAlloc = { id };
  const job = str(a.JobID) ?? str(obj(a.Job)?.ID);
  if (job) out.jobId = job;
  const ev = str(a.EvalID);
  if (ev) out.evalId = ev;
  const node = str(a.NodeID);
  if (node) out.nodeId = node;
  const cs = str(a.ClientStatus);
  if (cs) out.clientStatus = cs;
  const ds = str(a.DesiredStatus);
  if (ds) out.desiredStatus = ds;
  const cd = str(a.ClientDescription);
  if (cd) out.clientDescription = cd;
  const ami = num(a.AllocModifyIndex);
  if (ami !== undefined) out.allocModifyIndex = ami;
  const states = obj(a.TaskStates);
  if (states) {
    out.taskStates = {};
    for (const [task, s] of Object.entries(states)) {
      const ts = taskStateOf(obj(s));
      if (ts) out.taskStates[task] = ts;
    }
  }
  return out;
}

function taskStateOf(s: Obj | null): NomadTaskState | null {
  if (!s) return null;
  return {
    state: str(s.State) ?? '',
    failed: s.Failed === true,
    restarts: num(s.Restarts) ?? 0,
    events: arr(s.Events)
      .map((e): NomadTaskEvent | null => {
        const o = obj(e);
        if (!o) return null;
        const out: NomadTaskEvent = { type: str(o.Type) ?? '' };
        const t = o.Time;
        if (typeof t === 'bigint' || (typeof t === 'number' && Number.isInteger(t))) out.timeNs = t.toString();
        return out;
      })
      .filter((e): e is NomadTaskEvent => e !== null),
  };
}

// ───────────────────────────── type-safe access to decoded msgpack

function obj(v: unknown): Obj | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Obj) : null;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Indexes are uint64 on the wire: a bigint when they needed 64 bits. */
function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}
