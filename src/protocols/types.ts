/**
 * Protocols stage: TCP stream events → protocol messages (HTTP/1.x, AMQP 0-9-1, yamux,
 * msgpack RPC). No VIM knowledge lives here. Every message carries its first and last
 * byte times (relative ns, see SessionClock) and the connection it came from.
 *
 * Parsers are push-based (`StreamHandler` from src/net) and never throw on bad bytes:
 * they count, warn and resynchronise or skip the rest of the connection.
 */
import type { ConnectionInfo, Direction } from '../net/types.js';

export type Header = [name: string, value: string];

// ───────────────────────────────────────────── HTTP/1.x

/** What a request and a response both are: a head, a bounded body and their byte times. */
export interface HttpMessage {
  version: string;
  /** Header names as sent; look up case-insensitively. */
  headers: Header[];
  /** Body after de-chunking and inflation, bounded (see `bodyTruncated`). */
  body: Uint8Array;
  bodyTruncated: boolean;
  /** Body length on the wire (after de-chunking, before inflation). */
  bodyLength: number;
  firstByte: number;
  lastByte: number;
  /** Trailer fields of a chunked body, when it had any. */
  trailers?: Header[];
  /** Content-Encoding still applied to `body` when it could not be decoded. */
  bodyEncoded?: string;
}

export interface HttpRequest extends HttpMessage {
  method: string;
  /** Request target as sent (path + query). */
  target: string;
}

export interface HttpResponse extends HttpMessage {
  status: number;
  reason: string;
}

/** One request with its response (null when none was seen). */
export interface HttpExchange {
  conn: ConnectionInfo;
  request: HttpRequest;
  response: HttpResponse | null;
  /** Why the exchange is incomplete (gap, end of capture, …), when it is. */
  incomplete?: string;
}

// ───────────────────────────────────────────── AMQP 0-9-1

export type AmqpFieldValue =
  string | number | bigint | boolean | null | Uint8Array | AmqpFieldValue[] | { [key: string]: AmqpFieldValue };

export interface AmqpProperties {
  contentType?: string;
  contentEncoding?: string;
  headers?: Record<string, AmqpFieldValue>;
  deliveryMode?: number;
  priority?: number;
  correlationId?: string;
  replyTo?: string;
  expiration?: string;
  messageId?: string;
  timestamp?: number;
  type?: string;
  userId?: string;
  appId?: string;
}

/** A method frame (every one, for counting and for non-content methods). */
export interface AmqpMethod {
  conn: ConnectionInfo;
  dir: Direction;
  channel: number;
  classId: number;
  methodId: number;
  /** `Basic.Publish`, `Connection.Tune`, … from the spec table; `unknown.C.M` otherwise. */
  name: string;
  /** Decoded arguments for the methods we know (exchange, routingKey, deliveryTag, …). */
  args: Record<string, AmqpFieldValue>;
  ts: number;
}

/** A content-carrying method with its header and whole body. */
export interface AmqpMessage {
  conn: ConnectionInfo;
  dir: Direction;
  channel: number;
  /** `Basic.Publish`, `Basic.Deliver`, `Basic.Return` or `Basic.Get-Ok`. */
  method: string;
  exchange: string;
  routingKey: string;
  deliveryTag?: number;
  consumerTag?: string;
  properties: AmqpProperties;
  /** Body, copied out of the stream; bounded (see `bodyTruncated`). */
  body: Uint8Array;
  bodySize: number;
  bodyTruncated: boolean;
  /** First byte of the method frame, last byte of the last body frame. */
  firstByte: number;
  lastByte: number;
}

// ───────────────────────────────────────────── yamux + msgpack RPC

export interface MsgpackRpcMessage {
  conn: ConnectionInfo;
  dir: Direction;
  /** yamux stream id, or 0 for a plain (non-multiplexed) RPC connection. */
  streamId: number;
  kind: 'request' | 'response';
  serviceMethod: string;
  seq: number;
  /** Response header's Error ('' when none). */
  error?: string;
  /**
   * Decoded body, or undefined if it failed: maps as plain objects (@msgpack/msgpack; a
   * `__proto__` key is a decode error), str/raw as strings, bin as Uint8Array, int64/uint64
   * encodings as bigint (go-msgpack writes small integers in small types, so only values
   * such as Unix-nanosecond times are bigints). See docs/msgpack-choice.md.
   */
  body: unknown;
  /**
   * Set when the stream was told to decode only part of bodies (MsgpackBodyPlan): `body`
   * then holds only the keys asked for, or is undefined when none were.
   */
  partialBody?: true;
  /** Encoded size of header + body. */
  size: number;
  firstByte: number;
  lastByte: number;
}

/** A request matched with its response by Seq on a stream. */
export interface MsgpackRpcExchange {
  conn: ConnectionInfo;
  streamId: number;
  request: MsgpackRpcMessage;
  response: MsgpackRpcMessage | null;
}

// ───────────────────────────────────────────── shared

export interface ProtocolWarning {
  stage: 'protocols';
  protocol: 'http' | 'amqp' | 'yamux' | 'msgpack-rpc' | 'nomad-rpc' | 'tls' | 'tcp';
  conn?: number;
  ts?: number;
  message: string;
}

/** Counters are open-ended per protocol: `{ http: { requests: 3, … }, amqp: { … } }`. */
export type ProtocolCounters = Record<string, Record<string, number>>;

/** Bounds every parser respects; a bound hit is counted and warned, never an allocation. */
export interface ProtocolLimits {
  /** Max body bytes kept per HTTP message or AMQP message (after inflation for HTTP). */
  maxBodyBytes: number;
  /** Max bytes of an HTTP start line + headers. */
  maxHeaderBytes: number;
  /** Max bytes buffered for one incomplete frame/message before the connection is skipped. */
  maxFrameBytes: number;
  /**
   * Max bytes all Content-Encoding decoding of one session may produce (counted in
   * `http.inflatedBytes`): past it bodies stay encoded. Bounds the time of compression bombs.
   */
  maxInflatedBytes: number;
  /**
   * Max bytes all parsers of a session and its TCP reassembly hold at once (bodies, partial
   * messages, out-of-order segments): past it the largest of the oldest holders gives its
   * bytes up (src/bytes/byteBudget.ts). Keeps the main job's peak RSS bounded.
   */
  maxHeldBytes: number;
}

export const defaultProtocolLimits: ProtocolLimits = {
  maxBodyBytes: 8 * 1024 * 1024,
  maxHeaderBytes: 64 * 1024,
  maxFrameBytes: 16 * 1024 * 1024,
  maxInflatedBytes: 256 * 1024 * 1024,
  maxHeldBytes: 32 * 1024 * 1024,
};

/** Shared by all parsers of one session: counters, warnings, limits. */
export interface ProtocolContext {
  counters: ProtocolCounters;
  warn(w: ProtocolWarning): void;
  limits: ProtocolLimits;
}

/**
 * Who is told when a key of a session's counters is made (a worker thread tells the main thread: JSON keeps key
 * order).
 */
const newKeyListeners = new WeakMap<ProtocolCounters, (group: string, name: string) => void>();

export function onNewCounterKey(counters: ProtocolCounters, listener: (group: string, name: string) => void): void {
  newKeyListeners.set(counters, listener);
}

/** Increment `counters[group][name]` (creating either as needed). */
export function count(counters: ProtocolCounters, group: string, name: string, by = 1): void {
  const g = (counters[group] ??= {});
  const v = g[name];
  if (v === undefined) newKeyListeners.get(counters)?.(group, name);
  g[name] = (v ?? 0) + by;
}
