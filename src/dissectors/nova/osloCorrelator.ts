/**
 * oslo.messaging over AMQP: joins the two sightings of every message through the broker
 * (the Basic.Publish on the sender's connection, and each Basic.Deliver to a consumer),
 * and each RPC call to its reply, into NovaRpcEvents.
 *
 * Matching key: oslo's `_unique_id` (calls, casts, replies and notifications carry one);
 * a notification without it falls back to (routing key, `message_id`). A call meets its
 * reply through `_msg_id`. Fanout casts (`<topic>_fanout`) are delivered once per
 * consumer, so an event keeps a list of deliveries.
 *
 * A delivery carries the very bytes of its publish: when its `_unique_id` (found by a byte
 * search) names a sighting whose body had the same length and CRC-32, that decoding is
 * reused instead of parsing the same JSON again.
 */
import { endpointText } from '../endpointText.js';
import { intern, internIds } from '../internIds.js';
import type { AmqpMessage } from '../../protocols/types.js';
import type { DissectorWarning, MessageIds, Observation, VimMessage } from '../types.js';
import {
  bodyFingerprint,
  decodeOsloMessage,
  peekUniqueId,
  type OsloDecodeResult,
  type OsloMessage,
} from './osloMessage.js';
import type { NovaRpcEvent, NovaRpcKind, NovaRpcReply } from './types.js';

/** Who consumes a topic (the `service` of `messages --json`). */
const SERVICE_BY_TOPIC: Record<string, string> = {
  conductor: 'nova-conductor',
  scheduler: 'nova-scheduler',
  compute: 'nova-compute',
  'compute-fanout': 'nova-compute',
  consoleauth: 'nova-consoleauth',
  // Neutron: the server's RPC topics, and what its agents consume.
  'q-plugin': 'neutron-server',
  'q-reports-plugin': 'neutron-server',
};

/** Topic prefixes consumed by Neutron's agents (port updates, resource pushes). */
const AGENT_TOPIC_PREFIXES = ['q-agent-notifier', 'neutron-vo-'];

function serviceOfTopic(topic: string): string {
  if (Object.hasOwn(SERVICE_BY_TOPIC, topic)) return SERVICE_BY_TOPIC[topic];
  return AGENT_TOPIC_PREFIXES.some((p) => topic.startsWith(p)) ? 'neutron agent' : topic;
}

const KIND: Record<'call' | 'cast' | 'notification', NovaRpcKind> = {
  call: 'rpc-call',
  cast: 'rpc-cast',
  notification: 'notification',
};

const MAX_WARNINGS = 50;
/**
 * Keys of drained messages remembered, to count a late sighting instead of starting a new
 * message: a late sighting comes seconds late, not tens of thousands of messages late, and
 * every key held counts in the main job's peak.
 */
const maxEmittedKeys = 40_000;

/** Counter names, made once. */
const publishedKey: Record<OsloMessage['kind'], string> = {
  call: 'call.published',
  cast: 'cast.published',
  reply: 'reply.published',
  notification: 'notification.published',
};
const deliveredKey: Record<OsloMessage['kind'], string> = {
  call: 'call.delivered',
  cast: 'cast.delivered',
  reply: 'reply.delivered',
  notification: 'notification.delivered',
};

/** One message (one publish, any number of deliveries), keyed by its oslo ids. */
interface Sighting {
  msg: OsloMessage;
  /** CRC-32 and length of the body `msg` was decoded from. */
  fingerprint: number;
  bodyLength: number;
  exchange: string;
  routingKey: string;
  publish?: Observation;
  deliveries: Observation[];
}

/** What message() reads of a body, made where the message was parsed (the body need not travel). */
export interface OsloPredecoded {
  fingerprint: number;
  bodyLength: number;
  uniqueId: string | undefined;
  /** Absent when the body was left to message() (which then needs it): it will most likely have seen it. */
  decoded?: OsloDecodeResult;
}

/**
 * What message() would decode of `m`, or undefined when it decodes nothing. `seenElsewhere`:
 * a delivery whose body the correlator will most likely have seen already (the same unique
 * id, length and fingerprint) is not decoded: message() looks it up first, and decodes it
 * only when it is not there.
 */
export function osloPredecode(
  m: AmqpMessage,
  seenElsewhere?: (fingerprint: number, bodyLength: number) => boolean,
): OsloPredecoded | undefined {
  const isDelivery = m.method === 'Basic.Deliver' || m.method === 'Basic.Get-Ok';
  if ((!isDelivery && m.method !== 'Basic.Publish') || m.bodyTruncated) return undefined;
  const fingerprint = bodyFingerprint(m.body);
  const uniqueId = peekUniqueId(m.body);
  const pre: OsloPredecoded = { fingerprint, bodyLength: m.body.length, uniqueId };
  // Only a delivery with a unique id is looked up (sameBodySeen).
  if (isDelivery && uniqueId !== undefined && seenElsewhere?.(fingerprint, m.body.length)) return pre;
  pre.decoded = decodeOsloMessage(m.body);
  return pre;
}

export interface OsloCorrelatorOptions {
  warn?(w: DissectorWarning): void;
}

export class OsloCorrelator {
  /** What was seen, skipped or could not be matched. */
  readonly counters: Record<string, number> = {};
  private readonly sightings = new Map<string, Sighting>();
  /** Keys already emitted by drain(): later sightings of them are counted, not re-emitted. */
  private readonly emitted = new Set<string>();
  /** Capture time of each sighting's latest observation (for drain). */
  private readonly touched = new Map<string, number>();
  private anonymous = 0;
  private warnings = 0;

  constructor(private readonly options: OsloCorrelatorOptions = {}) {}

  /**
   * One AMQP message; `pre` is what osloPredecode made of its body already (in a worker
   * thread; the body may then be left out): the same as reading the body here.
   */
  message(m: AmqpMessage, pre?: OsloPredecoded): void {
    const isPublish = m.method === 'Basic.Publish';
    const isDelivery = m.method === 'Basic.Deliver' || m.method === 'Basic.Get-Ok';
    if (!isPublish && !isDelivery) {
      this.count(m.method === 'Basic.Return' ? 'returned' : 'otherContent');
      return;
    }
    if (m.bodyTruncated) {
      this.count('truncatedBodies');
      this.warn(
        `${m.method} on ${m.exchange}/${m.routingKey}: body truncated at ${m.body.length} of ${m.bodySize} ` +
          `bytes; not decoded`,
        m.firstByte,
      );
      return;
    }
    const fingerprint = pre?.fingerprint ?? bodyFingerprint(m.body);
    const bodyLength = pre?.bodyLength ?? m.body.length;
    // A publish comes before its deliveries: only a delivery is worth looking up.
    const seen = isDelivery
      ? this.sameBodySeen(pre ? pre.uniqueId : peekUniqueId(m.body), bodyLength, fingerprint)
      : undefined;
    let msg: OsloMessage;
    if (seen !== undefined) msg = seen.msg;
    else {
      const decoded = pre?.decoded ?? decodeOsloMessage(m.body);
      if (!decoded.ok) {
        this.count('undecodable');
        this.warn(`${m.method} on ${m.exchange}/${m.routingKey}: ${decoded.error}`, m.firstByte);
        return;
      }
      msg = decoded.message;
    }
    this.count(isPublish ? publishedKey[msg.kind] : deliveredKey[msg.kind]);
    const key = this.keyOf(msg, m.routingKey);
    if (this.emitted.has(key)) {
      this.count('lateObservations');
      return;
    }
    this.touched.set(key, m.lastByte);
    let s = this.sightings.get(key);
    if (s === undefined) {
      s = {
        msg,
        fingerprint,
        bodyLength,
        exchange: intern(m.exchange),
        routingKey: intern(m.routingKey),
        deliveries: [],
      };
      this.sightings.set(key, s);
    }
    const obs = observation(m);
    if (isDelivery) s.deliveries.push(obs);
    else if (s.publish === undefined) s.publish = obs;
    else this.count('duplicatePublishes');
  }

  /** The sighting decoded from these very bytes (same unique id, length and CRC-32), if any. */
  private sameBodySeen(uid: string | undefined, bodyLength: number, fingerprint: number): Sighting | undefined {
    if (uid === undefined) return undefined;
    const s = this.sightings.get(`u:${uid}`);
    return s !== undefined && s.fingerprint === fingerprint && s.bodyLength === bodyLength && s.msg.uniqueId === uid
      ? s
      : undefined;
  }

  /**
   * Streaming: the events that are settled by capture time `now` — a cast or notification
   * whose last sighting is `settleNs` old, a call whose reply is that old (or, without a
   * reply, `maxWaitNs` old). They leave the correlator; later sightings of them are only
   * counted. Bounded memory for long live sessions.
   */
  drain(now: number, settleNs = 1e9, maxWaitNs = 300e9): NovaRpcEvent[] {
    const replies = new Map<string, [string, Sighting][]>();
    for (const [k, s] of this.sightings) {
      if (s.msg.kind !== 'reply' || s.msg.msgId === undefined) continue;
      const parts = replies.get(s.msg.msgId);
      if (parts === undefined) replies.set(s.msg.msgId, [[k, s]]);
      else parts.push([k, s]);
    }
    const out: NovaRpcEvent[] = [];
    const settled = (k: string) => now - (this.touched.get(k) ?? now) >= settleNs;
    for (const [k, s] of this.sightings) {
      if (s.msg.kind === 'reply') {
        // Replies whose call is long gone (or never seen) are dropped after the long wait.
        if (now - (this.touched.get(k) ?? now) >= maxWaitNs) this.forget(k, 'orphanReplies');
        continue;
      }
      if (s.msg.kind === 'call' && s.msg.msgId !== undefined) {
        const parts = replies.get(s.msg.msgId);
        if (parts && parts.every(([rk]) => settled(rk)) && settled(k)) {
          const ev = toEvent(s);
          ev.reply = toReply(parts.map(([, p]) => p));
          for (const [rk] of parts) this.forget(rk);
          this.forget(k);
          out.push(ev);
        } else if (!parts && now - (this.touched.get(k) ?? now) >= maxWaitNs) {
          this.count('callsWithoutReply');
          out.push(toEvent(s));
          this.forget(k);
        }
        continue;
      }
      if (settled(k)) {
        out.push(toEvent(s));
        this.forget(k);
      }
    }
    return out.sort((a, b) => firstTime(a) - firstTime(b));
  }

  private forget(key: string, counter?: string): void {
    this.sightings.delete(key);
    this.touched.delete(key);
    this.emitted.add(key);
    if (counter) this.count(counter);
    // Keep the late-sighting guard bounded: forget the oldest half when it grows large.
    if (this.emitted.size > maxEmittedKeys) {
      let n = 0;
      for (const k of this.emitted) {
        this.emitted.delete(k);
        if (++n >= maxEmittedKeys / 2) break;
      }
    }
  }

  /** Completes matching; returns every call, cast and notification in order of first byte. */
  end(): NovaRpcEvent[] {
    const replies = new Map<string, Sighting[]>();
    for (const s of this.sightings.values()) {
      if (s.msg.kind !== 'reply' || s.msg.msgId === undefined) continue;
      const parts = replies.get(s.msg.msgId);
      if (parts === undefined) replies.set(s.msg.msgId, [s]);
      else parts.push(s);
    }
    const events: NovaRpcEvent[] = [];
    for (const s of this.sightings.values()) {
      if (s.msg.kind === 'reply') continue;
      const ev = toEvent(s);
      if (s.msg.kind === 'call' && s.msg.msgId !== undefined) {
        const parts = replies.get(s.msg.msgId);
        if (parts !== undefined) {
          ev.reply = toReply(parts);
          replies.delete(s.msg.msgId);
        } else {
          this.count('callsWithoutReply');
        }
      }
      events.push(ev);
    }
    for (const parts of replies.values()) this.count('orphanReplies', parts.length);
    this.sightings.clear();
    this.touched.clear();
    return events.sort((a, b) => firstTime(a) - firstTime(b));
  }

  private keyOf(msg: OsloMessage, routingKey: string): string {
    if (msg.uniqueId !== undefined) return `u:${msg.uniqueId}`;
    if (msg.kind === 'notification' && msg.messageId !== undefined) return `n:${routingKey}|${msg.messageId}`;
    if (msg.kind === 'reply' && msg.msgId !== undefined) return `r:${routingKey}|${msg.msgId}`;
    // Nothing to match a publish with its deliveries: keep it as its own message.
    this.count('unmatchable');
    return `a:${this.anonymous++}`;
  }

  private count(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }

  private warn(message: string, ts: number): void {
    if (this.options.warn === undefined) return;
    if (++this.warnings > MAX_WARNINGS) {
      this.count('warningsSuppressed');
      return;
    }
    this.options.warn({ stage: 'dissectors', vim: 'nova', ts, message: `oslo.messaging: ${message}` });
  }
}

// ──────────────────────────────────────── building events

const address = endpointText;

/** The bytes' sender is the client side for direction 0 (whichever the net stage guessed). */
function observation(m: AmqpMessage): Observation {
  const [from, to] = m.dir === 0 ? [m.conn.client, m.conn.server] : [m.conn.server, m.conn.client];
  return { first: m.firstByte, last: m.lastByte, src: address(from), dst: address(to), conn: m.conn.id };
}

/** `compute.host1` → compute / host1; exchange `scheduler_fanout` → scheduler, fanout. */
function topicOf(exchange: string, routingKey: string): { topic: string; server?: string; fanout: boolean } {
  if (exchange.endsWith('_fanout')) return { topic: exchange.slice(0, -'_fanout'.length), fanout: true };
  const dot = routingKey.indexOf('.');
  if (dot < 0) return { topic: routingKey, fanout: false };
  const topic = routingKey.slice(0, dot);
  const rest = routingKey.slice(dot + 1);
  // Notification keys are `<topic>.<priority>`: no server there.
  if (topic === 'notifications' || topic === 'versioned_notifications') return { topic, fanout: false };
  return { topic, server: rest, fanout: false };
}

function idsOf(msg: OsloMessage): MessageIds {
  const ids: MessageIds = {};
  // A Neutron agent's call about one tap device: the device joins it to its port's boot.
  if (msg.devices?.length === 1) ids.device = msg.devices[0];
  if (msg.instances.length === 1) ids.server = msg.instances[0];
  else if (msg.instances.length > 1) ids.servers = [...msg.instances];
  if (msg.requestId !== undefined) ids.request = msg.requestId;
  return ids;
}

function toEvent(s: Sighting): NovaRpcEvent {
  const m = s.msg;
  const ev: NovaRpcEvent = {
    kind: KIND[m.kind as 'call' | 'cast' | 'notification'],
    ...topicOf(s.exchange, s.routingKey),
    exchange: s.exchange,
    routingKey: s.routingKey,
    deliveries: s.deliveries.sort((a, b) => a.first - b.first),
    ids: idsOf(m),
  };
  if (s.publish !== undefined) ev.publish = s.publish;
  const copy = <K extends keyof NovaRpcEvent & keyof OsloMessage>(k: K) => {
    if (m[k] !== undefined) (ev as unknown as Record<string, unknown>)[k] = m[k];
  };
  for (const k of [
    'method',
    'eventType',
    'namespace',
    'version',
    'msgId',
    'uniqueId',
    'requestId',
    'globalRequestId',
    'objmethod',
    'objectName',
    'vmState',
    'changesVmState',
    'publisherId',
    'priority',
    'messageId',
    'devices',
    'externalEvents',
  ] as const)
    copy(k);
  if (m.timestampUs !== undefined) ev.notificationTimestampUs = m.timestampUs;
  return ev;
}

/** Several parts only for generator results; the one with `ending` (else the latest) gives the times. */
function toReply(parts: Sighting[]): NovaRpcReply {
  const at = (s: Sighting) => s.publish?.first ?? s.deliveries[0]?.first ?? 0;
  const ordered = [...parts].sort((a, b) => at(a) - at(b));
  const last = ordered.find((p) => p.msg.ending === true) ?? ordered[ordered.length - 1];
  const reply: NovaRpcReply = { deliveries: last.deliveries.sort((a, b) => a.first - b.first), parts: parts.length };
  if (last.publish !== undefined) reply.publish = last.publish;
  const failure = ordered.find((p) => p.msg.failure !== undefined)?.msg.failure;
  if (failure !== undefined) reply.failure = failure;
  return reply;
}

function firstTime(ev: NovaRpcEvent): number {
  return ev.publish?.first ?? ev.deliveries[0]?.first ?? 0;
}

const NS_PER_MS = 1e6;

/**
 * One line of `messages --json`. `ms`: a call runs from its publish's first byte to the
 * last byte of its reply's last delivery; a cast or notification from its publish's first
 * byte to the last byte of its first delivery; null when either end was not seen.
 */
export function novaRpcMessage(ev: NovaRpcEvent): VimMessage {
  const firstDelivery = ev.deliveries[0];
  let end: number | undefined;
  if (ev.kind === 'rpc-call') end = ev.reply?.deliveries[ev.reply.deliveries.length - 1]?.last;
  else end = firstDelivery?.last;
  const start = ev.publish?.first;
  const msg: VimMessage = {
    t: firstTime(ev),
    vim: 'nova',
    type: ev.kind,
    name: ev.method ?? ev.eventType ?? '',
    service: serviceOfTopic(ev.topic),
    src: ev.publish?.src ?? firstDelivery?.src ?? '',
    dst: firstDelivery?.dst ?? ev.publish?.dst ?? '',
    ms: start !== undefined && end !== undefined ? (end - start) / NS_PER_MS : null,
    ids: internIds(ev.ids),
  };
  if (ev.reply?.failure !== undefined) msg.status = ev.reply.failure;
  return msg;
}
