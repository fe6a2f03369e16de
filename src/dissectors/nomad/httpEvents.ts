/**
 * HTTP exchanges with the Nomad API → NomadHttpEvent: route template, ids from the path,
 * the job id from a registration's body (`Job.ID`), eval id and indexes from the reply,
 * allocs and their client status from alloc listings. Only these fields are read from
 * bodies, and no header is copied, so `X-Nomad-Token` never reaches an event. Replies are
 * not parsed whole: their top-level fields are picked out by jsonSelect (an allocation
 * embeds its whole Job, which nothing here reads).
 */
import { endpointTextUnbracketed } from '../endpointText.js';
import type { Header, HttpExchange, HttpResponse } from '../../protocols/types.js';
import { intern } from '../internIds.js';
import { jsonSelect, type JsonScalar, type JsonShape } from '../jsonSelect.js';
import { matchNomadRoute, splitTarget } from './httpRoutes.js';
import type { NomadHttpEvent } from './types.js';
import type { MessageIds } from '../types.js';

const addr = endpointTextUnbracketed;

/** Nomad's HTTP API port. */
export const nomadApiPort = 4646;

const nomadHeader = (headers: readonly Header[]): boolean =>
  headers.some(([n]) => n.length > 8 && n.slice(0, 8).toLowerCase() === 'x-nomad-');

/**
 * Whether an exchange under /v1/ is Nomad's, on evidence rather than the path alone (a
 * browser's `GET /v1/...` to a web server is not): the API port, a Nomad header
 * (`X-Nomad-Token` on the request, `X-Nomad-Index`/`-KnownLeader`/`-LastContact` on the
 * reply), or a reply of Nomad's shape (nomadShapedReply).
 */
export function hasNomadEvidence(ex: HttpExchange, apiPorts: ReadonlySet<number> = defaultNomadApiPorts): boolean {
  return (
    apiPorts.has(ex.conn.server.port) ||
    nomadHeader(ex.request.headers) ||
    (ex.response !== null && (nomadHeader(ex.response.headers) || nomadShapedReply(ex.response)))
  );
}

/**
 * Top-level fields of Nomad's API replies: the Raft indexes every write and every object
 * carries, and the eval a write creates. Names this specific, two at once, are Nomad's
 * (a lone `Index` or `ID` is anybody's).
 */
const nomadReplyFields = [
  'Index',
  'EvalID',
  'EvalCreateIndex',
  'JobModifyIndex',
  'CreateIndex',
  'ModifyIndex',
  'AllocModifyIndex',
  'KnownLeader',
  'LastContact',
] as const;
const nomadReplyShape = Object.fromEntries(nomadReplyFields.map((f) => [f, 'present'])) as Record<string, JsonShape>;
const nomadShapeFieldsNeeded = 2;

/**
 * A reply of Nomad's shape: a JSON object (or a listing's first object) with two or more of
 * Nomad's reply fields. Only bodies kept for Nomad (nomadKeepsBody: replies of writes, alloc
 * and eval reads) can show it; an HTML page never does.
 */
export function nomadShapedReply(response: HttpResponse): boolean {
  const b = response.body;
  if (response.bodyTruncated || b.length === 0 || response.status < 200 || response.status >= 300) return false;
  let i = 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  const picked: unknown = jsonSelect(b, b[i] === 0x5b ? [nomadReplyShape] : nomadReplyShape)?.value;
  const first: unknown = Array.isArray(picked) ? picked[0] : picked;
  return obj(first) !== null && Object.keys(obj(first)!).length >= nomadShapeFieldsNeeded;
}

export const defaultNomadApiPorts: ReadonlySet<number> = new Set([nomadApiPort]);

/** GET routes whose reply nomadHttpEvent reads (allocation and evaluation listings). */
const readReplies: ReadonlySet<string> = new Set([
  'GET /v1/job/{id}/allocations',
  'GET /v1/allocations',
  'GET /v1/allocation/{id}',
  'GET /v1/evaluation/{id}/allocations',
  'GET /v1/evaluation/{id}',
]);

/**
 * `keepBody` for Nomad's API: copy only the bodies nomadHttpEvent reads — a registration's
 * request, the replies of writes (EvalID, indexes) and of the GET routes above. A job's
 * definition (`GET /v1/job/{id}`), node lists and the like are counted, not kept.
 */
export function nomadKeepsBody(head: { dir: 0 | 1; method?: string; target?: string }): boolean {
  if (head.method === undefined || head.target === undefined) return head.dir === 1;
  const route = matchNomadRoute(head.method, splitTarget(head.target).path).route;
  const write = head.method === 'PUT' || head.method === 'POST' || head.method === 'DELETE';
  if (head.dir === 0)
    return (
      (head.method === 'PUT' || head.method === 'POST') &&
      (route.endsWith(' /v1/jobs') || route.endsWith(' /v1/job/{id}'))
    );
  return write || readReplies.has(route);
}

export function nomadHttpEvent(ex: HttpExchange): NomadHttpEvent {
  const { request, response } = ex;
  const { path, query } = splitTarget(request.target);
  const m = matchNomadRoute(request.method, path);
  const ev: NomadHttpEvent = {
    route: m.route,
    method: request.method,
    status: response ? response.status : null,
    reqFirst: request.firstByte,
    reqLast: request.lastByte,
    respFirst: response ? response.firstByte : null,
    respLast: response ? response.lastByte : null,
    src: addr(ex.conn.client),
    dst: addr(ex.conn.server),
    conn: ex.conn.id,
    ids: copyIds(m.ids),
  };
  if (ex.incomplete) ev.incomplete = ex.incomplete;
  const index = query.get('index');
  if (index !== null && /^\d+$/.test(index)) {
    ev.blocking = true;
    ev.queryIndex = Number(index);
  }
  if (response) {
    const xi = header(response.headers, 'x-nomad-index');
    if (xi !== undefined && /^\d+$/.test(xi)) ev.responseIndex = Number(xi);
  }

  const isRegistration =
    (request.method === 'PUT' || request.method === 'POST') &&
    (m.route.endsWith(' /v1/jobs') || m.route.endsWith(' /v1/job/{id}'));
  if (isRegistration) {
    const job = obj(obj(selectJson(request.body, request.bodyTruncated, registrationShape))?.Job);
    if (typeof job?.ID === 'string' && job.ID) ev.ids.job = job.ID;
  }
  const reply = response && response.status >= 200 && response.status < 300 ? replyFields(response) : null;
  const r = reply !== null && !Array.isArray(reply) ? reply : null;
  if (r && typeof r.EvalID === 'string' && r.EvalID) ev.ids.eval = r.EvalID;
  if (r && (isRegistration || request.method === 'DELETE')) {
    if (typeof r.EvalCreateIndex === 'number') ev.evalCreateIndex = r.EvalCreateIndex;
    if (typeof r.JobModifyIndex === 'number') ev.jobModifyIndex = r.JobModifyIndex;
    if (typeof r.Index === 'number') ev.index = r.Index;
  }
  if (
    m.route === 'GET /v1/job/{id}/allocations' ||
    m.route === 'GET /v1/allocations' ||
    m.route === 'GET /v1/allocation/{id}' ||
    m.route === 'GET /v1/evaluation/{id}/allocations'
  ) {
    const list = Array.isArray(reply) ? reply : r ? [r] : [];
    ev.allocs = list
      .filter((a): a is Fields => typeof a?.ID === 'string')
      .map((a) => ({
        id: intern(a.ID as string), // listings repeat the same ids poll after poll
        ...(typeof a.ClientStatus === 'string' ? { clientStatus: a.ClientStatus } : {}),
        ...(typeof a.EvalID === 'string' ? { evalId: a.EvalID } : {}),
      }));
    if (m.route === 'GET /v1/allocation/{id}' && r) {
      if (typeof r.JobID === 'string') ev.ids.job = r.JobID;
      if (typeof r.EvalID === 'string') ev.ids.eval = r.EvalID;
    } else if (ev.allocs.length === 1) ev.ids.alloc = ev.allocs[0].id;
    else if (ev.allocs.length > 1) ev.ids.allocs = ev.allocs.map((a) => a.id);
  }
  if (m.route === 'GET /v1/evaluation/{id}' && r && typeof r.JobID === 'string') ev.ids.job = r.JobID;
  return ev;
}

/** A fresh ids object with its keys in one order (a spread copy got a hidden class of its own each time). */
function copyIds(from: MessageIds): MessageIds {
  const ids: MessageIds = {};
  if (from.job !== undefined) ids.job = from.job;
  if (from.alloc !== undefined) ids.alloc = from.alloc;
  if (from.eval !== undefined) ids.eval = from.eval;
  if (from.node !== undefined) ids.node = from.node;
  return ids;
}

function header(headers: readonly Header[], name: string): string | undefined {
  for (const [n, v] of headers) if (n.toLowerCase() === name) return v;
  return undefined;
}

type Fields = Record<string, JsonScalar>;

/** The reply fields any route reads: of the reply object, or of each object of a listing. */
const replyShape = {
  EvalID: true,
  EvalCreateIndex: true,
  JobModifyIndex: true,
  Index: true,
  ID: true,
  ClientStatus: true,
  JobID: true,
} as const;
const listingShape = [{ ID: true, ClientStatus: true, EvalID: true }] as const;

/** The reply's fields (an object) or its listed objects' (an array, undefined for items that are not objects). */
function replyFields(response: HttpResponse): Fields | (Fields | undefined)[] | null {
  const b = response.body;
  if (response.bodyTruncated || b.length === 0) return null;
  let i = 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  const picked = jsonSelect(b, b[i] === 0x5b ? listingShape : replyShape)?.value;
  return (picked as Fields | (Fields | undefined)[] | undefined) ?? null;
}

/** A registration's body: only the job's id is read (not the job, with its templates and env). */
const registrationShape = { Job: { ID: true } } as const;

function selectJson(body: Uint8Array, truncated: boolean, shape: JsonShape): unknown {
  if (truncated || body.length === 0) return undefined;
  return jsonSelect(body, shape)?.value;
}

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
