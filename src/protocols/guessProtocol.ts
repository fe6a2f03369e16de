/**
 * Which protocol a TCP connection speaks, from its server port and first payload bytes.
 * Content wins over port: a port only decides when the bytes say nothing.
 */
import { looksLikeTlsRecord } from './tls/constants.js';

export type GuessedProtocol = 'http' | 'amqp' | 'nomad-rpc' | 'serf' | 'tls' | 'other';

/** Default service ports (configurable by callers that deploy elsewhere). */
export const defaultProtocolPorts: ReadonlyMap<number, GuessedProtocol> = new Map<number, GuessedProtocol>([
  [80, 'http'],
  [8080, 'http'],
  [4646, 'http'],
  [5000, 'http'],
  [35357, 'http'],
  [8774, 'http'],
  [8775, 'http'],
  [8778, 'http'],
  [9292, 'http'],
  [9696, 'http'],
  [5672, 'amqp'],
  [4647, 'nomad-rpc'],
  [4648, 'serf'],
]);

const httpMethods = ['GET ', 'PUT ', 'POST ', 'HEAD ', 'DELETE ', 'PATCH ', 'OPTIONS ', 'TRACE ', 'CONNECT '];

function startsWith(b: Uint8Array, s: string): boolean {
  if (b.length < s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[i] !== s.charCodeAt(i)) return false;
  return true;
}

/** A yamux header: version 0, type 0–3, flags ≤ 0x0f. */
function looksLikeYamux(b: Uint8Array, o: number): boolean {
  return b.length >= o + 12 && b[o] === 0 && b[o + 1] <= 3 && b[o + 2] === 0 && b[o + 3] <= 0x0f;
}

/**
 * @param head0 first bytes client → server (null if none seen)
 * @param head1 first bytes server → client
 * @param sawStart whether the connection's first bytes were captured (SYN seen)
 */
export function guessProtocol(
  serverPort: number,
  head0: Uint8Array | null,
  head1: Uint8Array | null,
  sawStart: boolean,
  ports: ReadonlyMap<number, GuessedProtocol> = defaultProtocolPorts,
): GuessedProtocol {
  // A TLS record is TLS on any port (HTTPS on 8774 behind a load balancer).
  if ((head0 && looksLikeTlsRecord(head0)) || (!head0 && head1 && looksLikeTlsRecord(head1))) return 'tls';
  if (head0) {
    if (httpMethods.some((m) => startsWith(head0, m))) return 'http';
    if (startsWith(head0, 'AMQP')) return 'amqp';
    if (
      sawStart &&
      head0[0] >= 1 &&
      head0[0] <= 6 &&
      (head0[0] !== 3 && head0[0] !== 6 ? true : looksLikeYamux(head0, 1)) &&
      ports.get(serverPort) === 'nomad-rpc'
    )
      return 'nomad-rpc';
  }
  if (head1 && startsWith(head1, 'HTTP/1.')) return 'http';
  return ports.get(serverPort) ?? 'other';
}

/** AMQP 0-9-1 methods that only one side sends, as class·65536 + method → sender. */
const amqpMethodSenders: ReadonlyMap<number, 'client' | 'server'> = new Map(
  (
    [
      [10, 10, 'server'],
      [10, 11, 'client'],
      [10, 20, 'server'],
      [10, 21, 'client'],
      [10, 30, 'server'],
      [10, 31, 'client'],
      [10, 40, 'client'],
      [10, 41, 'server'],
      [20, 10, 'client'],
      [20, 11, 'server'],
      [40, 10, 'client'],
      [40, 11, 'server'],
      [50, 10, 'client'],
      [50, 11, 'server'],
      [50, 20, 'client'],
      [50, 21, 'server'],
      [60, 10, 'client'],
      [60, 11, 'server'],
      [60, 20, 'client'],
      [60, 21, 'server'],
      [60, 40, 'client'],
      [60, 50, 'server'],
      [60, 60, 'server'],
      [60, 70, 'client'],
      [60, 71, 'server'],
      [60, 72, 'server'],
      [85, 10, 'client'],
      [85, 11, 'server'],
    ] as const
  ).map(([c, m, who]) => [c * 65536 + m, who]),
);

/** An AMQP method frame (type 1) whose frame-end octet is where its size says, naming a one-sided method. */
function amqpMethodSender(b: Uint8Array): 'client' | 'server' | null {
  if (b.length < 11 || b[0] !== 1) return null;
  const size = ((b[3] << 24) | (b[4] << 16) | (b[5] << 8) | b[6]) >>> 0;
  if (size < 4 || size > 1 << 20 || (b.length > 7 + size && b[7 + size] !== 0xce)) return null;
  return amqpMethodSenders.get(((b[7] << 8) | b[8]) * 65536 + ((b[9] << 8) | b[10])) ?? null;
}

const asciiKey = (s: string): number[] => [0xa0 | s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const errorKey = asciiKey('Error');
const serviceMethodKey = asciiKey('ServiceMethod');

function hasBytes(b: Uint8Array, from: number, to: number, pattern: number[]): boolean {
  outer: for (let i = from; i + pattern.length <= to; i++) {
    for (let k = 0; k < pattern.length; k++) if (b[i + k] !== pattern[k]) continue outer;
    return true;
  }
  return false;
}

/** A msgpack RPC header map at o: a response's has an `Error` key, a request's only `ServiceMethod` and `Seq`. */
function msgpackRpcSender(b: Uint8Array, o: number): 'client' | 'server' | null {
  if (o >= b.length || (b[o] & 0xf0) !== 0x80) return null;
  const to = Math.min(b.length, o + 96);
  if (!hasBytes(b, o, to, serviceMethodKey)) return null;
  return hasBytes(b, o, to, errorKey) ? 'server' : 'client';
}

/**
 * Who sent these first payload bytes of a connection whose handshake was not captured,
 * when the bytes say: an HTTP request or response line, the AMQP protocol header or a
 * one-sided AMQP method, a yamux frame opening (SYN) or accepting (ACK) a stream (yamux
 * clients open odd stream ids), a msgpack RPC request or response header. Null when they
 * do not (the ports decide then).
 */
export function senderRole(b: Uint8Array): 'client' | 'server' | null {
  if (httpMethods.some((m) => startsWith(b, m)) || startsWith(b, 'AMQP\0')) return 'client';
  if (startsWith(b, 'HTTP/1.')) return 'server';
  const amqp = amqpMethodSender(b);
  if (amqp) return amqp;
  if (looksLikeYamux(b, 0)) {
    const flags = (b[2] << 8) | b[3],
      odd = (b[7] & 1) === 1;
    if (b[1] === 0) {
      const rpc = msgpackRpcSender(b, 12);
      if (rpc) return rpc;
    }
    if (flags & 1) return odd ? 'client' : 'server';
    if (flags & 2) return odd ? 'server' : 'client';
    return null;
  }
  return msgpackRpcSender(b, 0);
}
