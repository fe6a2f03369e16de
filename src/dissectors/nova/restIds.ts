/**
 * Ids and states carried by OpenStack REST exchanges: request ids from headers, the
 * server uuid and status from the few bodies that hold them. Bodies are read only for
 * the routes in BODY_FIELDS, and only the fields their shapes name are decoded at all
 * (jsonSelect), so nothing else in a body (the `adminPass` of a 202, the password of a
 * token request) is ever kept.
 */
import { jsonSelect, type JsonShape } from '../jsonSelect.js';
import { headerValue } from '../../protocols/http/headers.js';
import type { Header, HttpExchange } from '../../protocols/types.js';
import type { MessageIds } from '../types.js';
import type { ExternalEventFact } from './types.js';

/** The caller's id, sent by nova-api to glance, by the scheduler to placement, … */
const CALLER_REQUEST_ID = 'x-openstack-request-id';
/** The answering service's id for this call (nova-api sends both with the same value). */
const SERVICE_REQUEST_ID_HEADERS = ['x-openstack-request-id', 'x-compute-request-id'];

const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requestIdIn(headers: readonly Header[], names: readonly string[]): string | undefined {
  for (const name of names) {
    const v = headerValue(headers, name)?.trim();
    if (v !== undefined && REQUEST_ID.test(v)) return v.toLowerCase();
  }
  return undefined;
}

export interface RequestIds {
  caller?: string;
  service?: string;
}

export function requestIds(ex: HttpExchange): RequestIds {
  const out: RequestIds = {};
  const caller = requestIdIn(ex.request.headers, [CALLER_REQUEST_ID]);
  if (caller !== undefined) out.caller = caller;
  const service = ex.response === null ? undefined : requestIdIn(ex.response.headers, SERVICE_REQUEST_ID_HEADERS);
  if (service !== undefined) out.service = service;
  return out;
}

/** What a body may add to an event. */
export interface BodyFacts {
  ids: Pick<MessageIds, 'server' | 'image' | 'port' | 'servers'>;
  serverStatus?: string;
  /** `binding:host_id` a port update sets (the compute host binding the port). */
  bindingHost?: string;
  externalEvents?: ExternalEventFact[];
}

type Extractor = (json: unknown, facts: BodyFacts) => void;

function field(obj: unknown, ...path: string[]): unknown {
  let v = obj;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function uuidField(obj: unknown, ...path: string[]): string | undefined {
  const v = field(obj, ...path);
  return typeof v === 'string' && UUID.test(v) ? v.toLowerCase() : undefined;
}

const serverView: Extractor = (json, facts) => {
  const id = uuidField(json, 'server', 'id');
  if (id !== undefined) facts.ids.server = id;
  const status = field(json, 'server', 'status');
  if (typeof status === 'string' && /^[A-Z_]{1,32}$/.test(status)) facts.serverStatus = status;
  const image = uuidField(json, 'server', 'image', 'id');
  if (image !== undefined) facts.ids.image ??= image;
};

/** A short name-like string (event names, statuses, host names): anything else is not kept. */
function nameField(obj: unknown, ...path: string[]): string | undefined {
  const v = field(obj, ...path);
  return typeof v === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(v) ? v : undefined;
}

const externalEvents: Extractor = (json, facts) => {
  const events = field(json, 'events');
  if (!Array.isArray(events)) return;
  const out: ExternalEventFact[] = [];
  for (const e of events.slice(0, MAX_EXTERNAL_EVENTS)) {
    const name = nameField(e, 'name');
    const server = uuidField(e, 'server_uuid');
    if (name === undefined || server === undefined) continue;
    const ev: ExternalEventFact = { name, server };
    const tag = uuidField(e, 'tag');
    if (tag !== undefined) ev.tag = tag;
    const status = nameField(e, 'status');
    if (status !== undefined) ev.status = status;
    out.push(ev);
  }
  facts.externalEvents = out;
  // The servers named: one, or several when neutron-server sent a batch.
  const servers = [...new Set(out.map((e) => e.server))];
  if (servers.length === 1) facts.ids.server = servers[0];
  else if (servers.length > 1) facts.ids.servers = servers;
};

/** Events read from one external-events POST, at most (neutron sends a few per batch). */
const MAX_EXTERNAL_EVENTS = 256;

/** route → what to read from the request body and from a 2xx response body, and the fields it reads. */
const BODY_FIELDS: Readonly<Record<string, { request?: [Extractor, JsonShape]; response?: [Extractor, JsonShape] }>> = {
  'POST /v2.1/servers': {
    request: [
      (json, facts) => {
        const image = uuidField(json, 'server', 'imageRef');
        if (image !== undefined) facts.ids.image = image;
      },
      { server: { imageRef: true } },
    ],
    response: [
      (json, facts) => {
        const id = uuidField(json, 'server', 'id');
        if (id !== undefined) facts.ids.server = id;
      },
      { server: { id: true } },
    ],
  },
  'GET /v2.1/servers/{id}': { response: [serverView, { server: { id: true, status: true, image: { id: true } } }] },
  // nova-compute creates the boot's port (device_id = the server) and binds it to its host.
  'POST /v2.0/ports': {
    request: [
      (json, facts) => {
        const server = uuidField(json, 'port', 'device_id');
        if (server !== undefined) facts.ids.server = server;
      },
      { port: { device_id: true } },
    ],
    response: [
      (json, facts) => {
        const port = uuidField(json, 'port', 'id');
        if (port !== undefined) facts.ids.port = port;
      },
      { port: { id: true } },
    ],
  },
  'PUT /v2.0/ports/{id}': {
    request: [
      (json, facts) => {
        const host = nameField(json, 'port', 'binding:host_id');
        if (host !== undefined) facts.bindingHost = host;
      },
      { port: { 'binding:host_id': true } },
    ],
  },
  'POST /v2.1/os-server-external-events': {
    request: [externalEvents, { events: [{ name: true, server_uuid: true, tag: true, status: true }] }],
  },
};

/** Does `route` have body fields worth keeping the request (0) or response (1) body for? */
export function routeNeedsBody(route: string, dir: 0 | 1): boolean {
  const f = Object.hasOwn(BODY_FIELDS, route) ? BODY_FIELDS[route] : undefined;
  return f !== undefined && (dir === 0 ? f.request : f.response) !== undefined;
}

export function bodyFacts(route: string, ex: HttpExchange): BodyFacts {
  const facts: BodyFacts = { ids: {} };
  const f = Object.hasOwn(BODY_FIELDS, route) ? BODY_FIELDS[route] : undefined;
  if (f === undefined) return facts;
  if (f.request !== undefined) {
    const json = parseJson(ex.request.body, ex.request.bodyTruncated, f.request[1]);
    if (json !== undefined) f.request[0](json, facts);
  }
  const res = ex.response;
  if (f.response !== undefined && res !== null && res.status >= 200 && res.status < 300) {
    const json = parseJson(res.body, res.bodyTruncated, f.response[1]);
    if (json !== undefined) f.response[0](json, facts);
  }
  return facts;
}

function parseJson(body: Uint8Array, truncated: boolean, shape: JsonShape): unknown {
  if (truncated || body.length === 0) return undefined;
  return jsonSelect(body, shape)?.value;
}
