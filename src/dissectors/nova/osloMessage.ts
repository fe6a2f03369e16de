/**
 * One oslo.messaging body → the few fields the timeline needs. The parsed JSON lives
 * only inside `decodeOsloMessage`; what leaves is a small record of extracted strings,
 * so tokens (`_context_auth_token`, the service catalog), `admin_password` and
 * credential-bearing URLs (`transport_url`, `database_connection`) are never kept.
 *
 * Wire format (RabbitMQ driver): `{"oslo.version": "2.0", "oslo.message": "<JSON>"}`.
 * The inner message is an RPC request (call: `_msg_id` + `_reply_q`; cast: neither), a
 * reply (`result` / `failure` / `ending` + `_msg_id`) or a notification (`event_type`,
 * `publisher_id`, `payload`, `timestamp`, …).
 */

import { isAscii } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { EmbeddedJson, jsonSelect, type JsonShape } from '../jsonSelect.js';
import { intern } from '../internIds.js';
import { redactSecrets } from '../redactSecrets.js';
import { fnv1a } from '../../bytes/fnv1a.js';

export type OsloKind = 'call' | 'cast' | 'reply' | 'notification';

export interface OsloMessage {
  kind: OsloKind;
  method?: string;
  namespace?: string;
  version?: string;
  uniqueId?: string;
  msgId?: string;
  replyQ?: string;
  requestId?: string;
  globalRequestId?: string;
  /** Instance uuids the message is about, in order of appearance, without repeats. */
  instances: string[];
  objmethod?: string;
  objectName?: string;
  vmState?: string;
  changesVmState?: boolean;
  eventType?: string;
  publisherId?: string;
  priority?: string;
  messageId?: string;
  /** Notification `timestamp`, Unix µs (publisher clock). */
  timestampUs?: number;
  /** Neutron agent calls (`update_device_up`, `get_devices_details_list`, …): the tap devices named. */
  devices?: string[];
  /** `external_instance_event`: the events delivered to the compute host. */
  externalEvents?: OsloExternalEvent[];
  /** Replies. */
  failure?: string;
  ending?: boolean;
}

/** One `InstanceExternalEvent` of an `external_instance_event` cast. */
export interface OsloExternalEvent {
  name: string;
  server: string;
  /** Port id for network events. */
  tag?: string;
}

export type OsloDecodeResult = { ok: true; message: OsloMessage } | { ok: false; error: string };

/** A member selected with a type its shape does not read: there, but no object, array or string. */
const MISFIT: unique symbol = Symbol('misfit');
type Json = null | boolean | number | string | typeof MISFIT | Json[] | { [key: string]: Json };
type Step = string | '*';

/**
 * Where instance uuids sit, by RPC method argument or notification field. `*` walks an
 * array. Paths through `nova_object.data.uuid` only count for Instance objects (a
 * Service or ComputeNode also has a `uuid`); see isInstanceObject.
 */
const INSTANCE_PATHS: ReadonlyArray<readonly Step[]> = [
  ['args', 'build_requests', '*', 'nova_object.data', 'instance_uuid'], // schedule_and_build_instances
  ['args', 'instance_uuids', '*'], // select_destinations, sync_instance_info
  ['args', 'instance_uuid'], // delete_instance_info
  ['args', 'instance', 'nova_object.data', 'uuid'], // build_and_run_instance, terminate_instance, …
  ['args', 'instance_info', 'nova_object.data', 'uuid'], // update_instance_info (one Instance)
  ['args', 'instance_info', 'nova_object.data', 'objects', '*', 'nova_object.data', 'uuid'], // … (an InstanceList)
  ['args', 'objinst', 'nova_object.data', 'uuid'], // object_action on an Instance
  ['args', 'objinst', 'nova_object.data', 'instance_uuid'], // object_action on InstanceInfoCache, BlockDeviceMapping, …
  ['args', 'instances', '*', 'nova_object.data', 'uuid'], // external_instance_event
  ['payload', 'instance_id'], // unversioned notifications
  ['payload', 'nova_object.data', 'uuid'], // versioned instance notifications
  ['payload', 'nova_object.data', 'instance_uuid'], // versioned RequestSpec payloads
];
/** Every member readOsloMessage reads, as one shape: these fields and INSTANCE_PATHS. */
const INNER_SHAPE: JsonShape = withPaths(
  {
    _unique_id: true,
    _msg_id: true,
    _context_request_id: true,
    _context_global_request_id: true,
    event_type: true,
    method: true,
    publisher_id: true,
    priority: true,
    message_id: true,
    timestamp: true,
    namespace: true,
    version: true,
    _reply_q: true,
    result: 'present',
    failure: 'any',
    ending: true,
    args: {
      device: true,
      devices: [true],
      objmethod: true,
      events: [{ 'nova_object.data': { name: true, instance_uuid: true, tag: true } }],
      objinst: { 'nova_object.name': true, 'nova_object.changes': [true], 'nova_object.data': { vm_state: true } },
    },
  },
  INSTANCE_PATHS,
);
/** The envelope, its inner message read in place; a body without one is the message itself. */
const OUTER_SHAPE: JsonShape = {
  ...(INNER_SHAPE as Record<string, JsonShape>),
  'oslo.message': new EmbeddedJson(INNER_SHAPE),
};

/** `shape` with each path's members added (`*` an array); a path through an Instance's data also reads its name. */
function withPaths(shape: JsonShape, paths: ReadonlyArray<readonly Step[]>): JsonShape {
  const along = (path: readonly Step[], i: number): JsonShape => {
    if (i === path.length) return true;
    if (path[i] === '*') return [along(path, i + 1)];
    const member: Record<string, JsonShape> = { [path[i]]: along(path, i + 1) };
    if (path[i] === 'nova_object.data' && path[i + 1] === 'uuid') member['nova_object.name'] = true;
    return member;
  };
  return paths.reduce((s, p) => mergeShapes(s, along(p, 0)), shape);
}

function mergeShapes(a: JsonShape | undefined, b: JsonShape): JsonShape {
  if (a === undefined || a === b) return b;
  if (Array.isArray(a) && Array.isArray(b)) return [mergeShapes(a[0] as JsonShape, b[0] as JsonShape)];
  const isMembers = (x: JsonShape): x is Record<string, JsonShape> =>
    typeof x === 'object' && !Array.isArray(x) && !(x instanceof EmbeddedJson);
  if (isMembers(a) && isMembers(b)) {
    const out: Record<string, JsonShape> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = mergeShapes(out[k], v);
    return out;
  }
  throw new Error(`oslo shapes disagree: ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
}

/** `Instance`, and the versioned notification payloads about one (`InstanceActionPayload`, …). */
const isInstanceObject = (name: string | undefined) =>
  name === 'Instance' || (name !== undefined && /^Instance\w*Payload$/.test(name));

/** Fields whose values recur across messages. */
const SHARED: ReadonlySet<keyof OsloMessage> = new Set([
  'requestId',
  'globalRequestId',
  'publisherId',
  'priority',
  'namespace',
  'version',
  'replyQ',
  'objmethod',
  'objectName',
  'vmState',
]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_FAILURE_CHARS = 500;
/** A Linux interface name (IFNAMSIZ − 1 characters): the agent's tap devices. */
const DEVICE_NAME = /^[A-Za-z0-9_.:-]{1,15}$/;
const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Devices or events read from one message, at most. */
const MAX_LISTED = 256;
const utf8 = new TextDecoder('utf-8', { fatal: false });

const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** Own property only: a `__proto__` or `constructor` key in hostile JSON is just a key. */
const get = (v: Json | undefined, key: string): Json | undefined =>
  isObject(v) && Object.hasOwn(v, key) ? v[key] : undefined;
const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The body's fields, selected (jsonSelect) rather than parsed whole: an inner message
 * carries its context's service catalog and token and its arguments' whole objects, and
 * only a few dozen of its values are read. The inner text is read where it stands in the
 * envelope's string (EmbeddedJson), not unescaped first. Whatever this path does not make
 * a message of goes to the whole parse, so every error is the one JSON.parse's verdict
 * gives. One difference remains, by design: the parts stepped over are checked for
 * structure only (brackets, quotes, delimiters), so a body JSON.parse refuses for a bad
 * number or literal, or a bad escape, inside a part no field is read from still gives its
 * message. oslo writes its bodies with Python's json.dumps, which makes no such part; a
 * truncated body fails the structural check as it fails JSON.parse.
 */
export function decodeOsloMessage(body: Uint8Array): OsloDecodeResult {
  return decodeOsloMessageSelected(body) ?? decodeOsloMessageWhole(body);
}

/** The message read from the selected fields, or undefined when the body is left to the whole parse. */
export function decodeOsloMessageSelected(body: Uint8Array): OsloDecodeResult | undefined {
  const selected = selectOsloFields(body);
  if (selected === undefined) return undefined;
  const r = readOsloMessage(selected);
  return r.ok ? r : undefined;
}

/** The reference: the body parsed whole with JSON.parse (also the path of odd bodies). */
export function decodeOsloMessageWhole(body: Uint8Array): OsloDecodeResult {
  let inner: Json;
  try {
    const outer = JSON.parse(utf8.decode(body)) as Json;
    const wrapped = get(outer, 'oslo.message');
    inner = typeof wrapped === 'string' ? (JSON.parse(wrapped) as Json) : outer;
  } catch {
    return { ok: false, error: 'body is not JSON' };
  }
  return readOsloMessage(inner);
}

/**
 * The inner message's fields that readOsloMessage reads (or the outer object's, for a body
 * with no `oslo.message` member), or undefined to leave the body to the whole parse: a
 * body that is not ASCII (oslo's json.dumps keeps it ASCII), not JSON, whose inner text
 * uses an escape EmbeddedJsonSelector does not read, or whose `oslo.message` is not a
 * string holding an object.
 */
function selectOsloFields(body: Uint8Array): Json | undefined {
  if (!isAscii(body)) return undefined;
  const outer = jsonSelect(body, OUTER_SHAPE, { misfit: MISFIT })?.value as Json | undefined;
  if (!isObject(outer)) return undefined;
  const wrapped = get(outer, 'oslo.message');
  if (wrapped === undefined) return outer;
  return isObject(wrapped) ? wrapped : undefined;
}

/** The message read from its parsed (or selected) object. */
function readOsloMessage(inner: Json | undefined): OsloDecodeResult {
  if (!isObject(inner)) return { ok: false, error: 'oslo message is not an object' };

  const m: OsloMessage = { kind: 'cast', instances: [] };
  const set = <K extends keyof OsloMessage>(key: K, value: OsloMessage[K] | undefined) => {
    // Every message is kept until the end: recurring values (method names, request ids,
    // reply queues, hosts) are shared, not held once per message.
    if (value !== undefined)
      m[key] = (typeof value === 'string' && SHARED.has(key) ? intern(value) : value) as OsloMessage[K];
  };
  set('uniqueId', str(get(inner, '_unique_id')));
  set('msgId', str(get(inner, '_msg_id')));
  set('requestId', str(get(inner, '_context_request_id')));
  set('globalRequestId', str(get(inner, '_context_global_request_id')));

  const eventType = str(get(inner, 'event_type'));
  const method = str(get(inner, 'method'));
  if (eventType !== undefined) {
    m.kind = 'notification';
    m.eventType = intern(eventType);
    set('publisherId', str(get(inner, 'publisher_id')));
    set('priority', str(get(inner, 'priority')));
    set('messageId', str(get(inner, 'message_id')));
    set('timestampUs', parseOsloTimestamp(str(get(inner, 'timestamp'))));
    // Notification context fields sit at the top level as `_context_*` too.
  } else if (method !== undefined) {
    m.method = intern(method);
    set('namespace', str(get(inner, 'namespace')));
    set('version', str(get(inner, 'version')));
    set('replyQ', str(get(inner, '_reply_q')));
    m.kind = m.msgId !== undefined && m.replyQ !== undefined ? 'call' : 'cast';
    const args = get(inner, 'args');
    const devices = devicesOf(args);
    if (devices.length) m.devices = devices;
    const events = externalEventsOf(get(args, 'events'));
    if (events.length) m.externalEvents = events;
    const objinst = get(args, 'objinst');
    if (objinst !== undefined) {
      set('objmethod', str(get(args, 'objmethod')));
      set('objectName', str(get(objinst, 'nova_object.name')));
      if (m.objectName === 'Instance') {
        set('vmState', str(get(get(objinst, 'nova_object.data'), 'vm_state')));
        const changes = get(objinst, 'nova_object.changes');
        m.changesVmState = Array.isArray(changes) && changes.includes('vm_state');
      }
    }
  } else if (
    m.msgId !== undefined &&
    (Object.hasOwn(inner, 'result') || Object.hasOwn(inner, 'failure') || Object.hasOwn(inner, 'ending'))
  ) {
    m.kind = 'reply';
    m.ending = get(inner, 'ending') === true;
    const failure = get(inner, 'failure');
    if (failure !== undefined && failure !== null) m.failure = failureText(failure);
  } else {
    return { ok: false, error: 'neither an RPC request, a reply nor a notification' };
  }

  for (const path of INSTANCE_PATHS) collect(inner, path, 0, m.instances);
  return { ok: true, message: m };
}

/** `args.device` (one) or `args.devices` (a list) of a Neutron agent call, names only. */
function devicesOf(args: Json | undefined): string[] {
  const one = str(get(args, 'device'));
  const list = get(args, 'devices');
  const names = one !== undefined ? [one] : Array.isArray(list) ? list.slice(0, MAX_LISTED).map(str) : [];
  return names.filter((d): d is string => d !== undefined && DEVICE_NAME.test(d)).map(intern);
}

/** `args.events[*].nova_object.data` of `external_instance_event`. */
function externalEventsOf(events: Json | undefined): OsloExternalEvent[] {
  if (!Array.isArray(events)) return [];
  const out: OsloExternalEvent[] = [];
  for (const e of events.slice(0, MAX_LISTED)) {
    const data = get(e, 'nova_object.data');
    const name = str(get(data, 'name'));
    const server = str(get(data, 'instance_uuid'));
    if (name === undefined || !EVENT_NAME.test(name) || server === undefined || !UUID.test(server)) continue;
    const ev: OsloExternalEvent = { name: intern(name), server: intern(server.toLowerCase()) };
    const tag = str(get(data, 'tag'));
    if (tag !== undefined && UUID.test(tag)) ev.tag = intern(tag.toLowerCase());
    out.push(ev);
  }
  return out;
}

/** Walks `path` from `v`, pushing every uuid found at its end. */
function collect(v: Json | undefined, path: readonly Step[], i: number, out: string[]): void {
  if (v === undefined) return;
  if (i === path.length) {
    if (typeof v === 'string' && UUID.test(v) && !out.includes(v)) out.push(intern(v));
    return;
  }
  const step = path[i];
  if (step === '*') {
    if (Array.isArray(v)) for (const item of v) collect(item, path, i + 1, out);
    return;
  }
  if (step === 'nova_object.data' && path[i + 1] === 'uuid' && !isInstanceObject(str(get(v, 'nova_object.name'))))
    return;
  collect(get(v, step), path, i + 1, out);
}

/**
 * oslo's serialised failure is a JSON string `{"class", "module", "message", "tb", …}`.
 * Keep `<class>: <message>`, bounded, with secrets redacted (redactSecrets.ts).
 */
export function failureText(failure: Json): string {
  let text: string;
  let parsed: Json | undefined;
  if (typeof failure === 'string') {
    try {
      parsed = JSON.parse(failure) as Json;
    } catch {
      parsed = undefined;
    }
  } else {
    parsed = failure;
  }
  if (isObject(parsed)) {
    const cls = str(get(parsed, 'class')) ?? 'Error';
    const msg = str(get(parsed, 'message')) ?? '';
    text = msg === '' ? cls : `${cls}: ${msg}`;
  } else {
    text = typeof failure === 'string' ? failure.split('\n')[0] : 'remote error';
  }
  return redactSecrets(text.slice(0, 2 * MAX_FAILURE_CHARS)).slice(0, MAX_FAILURE_CHARS);
}

/**
 * oslo notification `timestamp`: `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC (no zone), or ISO
 * 8601 with `T`/`Z`. Returns Unix microseconds.
 */
export function parseOsloTimestamp(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]00:?00)?$/.exec(s);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  const frac = m[7] === undefined ? 0 : Math.floor(Number(m[7].padEnd(6, '0').slice(0, 6)));
  return ms * 1000 + frac;
}

// ──────────────────────────────────────── recognising a body already decoded

/** The `_unique_id` key as it appears inside the escaped `oslo.message` string, and unwrapped. */
const UNIQUE_ID_ESCAPED = Buffer.from('\\"_unique_id\\"', 'latin1');
const UNIQUE_ID_PLAIN = Buffer.from('"_unique_id"', 'latin1');

/**
 * The `_unique_id` of a body, found by a byte search (oslo writes it as 32 hex digits), or
 * undefined. Only a hint: the correlator trusts it when a sighting with that id had the
 * same body length and CRC-32 (bodyFingerprint).
 */
export function peekUniqueId(body: Uint8Array): string | undefined {
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  for (const [key, escaped] of [
    [UNIQUE_ID_ESCAPED, true],
    [UNIQUE_ID_PLAIN, false],
  ] as const) {
    // oslo writes the envelope's fields after the args: search from the end.
    const at = b.lastIndexOf(key);
    if (at < 0) continue;
    let p = at + key.length;
    while (b[p] === 0x20) p++;
    if (b[p++] !== 0x3a) return undefined; // :
    while (b[p] === 0x20) p++;
    if (escaped && b[p++] !== 0x5c) return undefined; // \
    if (b[p++] !== 0x22) return undefined; // "
    const start = p;
    while (p < b.length && p - start <= 64 && isIdByte(b[p])) p++;
    if (p === start || p >= b.length || b[p] !== (escaped ? 0x5c : 0x22)) return undefined;
    return b.toString('latin1', start, p);
  }
  return undefined;
}

const isIdByte = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2d;

/** CRC-32 of a body (with its length: the same bytes, but for a 2^-32 chance). */
export function bodyFingerprint(body: Uint8Array): number {
  return checksum(body);
}

/** zlib's CRC-32 (Node ≥ 20.15); FNV-1a where it is missing. */
const checksum: (b: Uint8Array) => number = typeof crc32 === 'function' ? (b) => crc32(b) : (b) => fnv1a(b) >>> 0;
