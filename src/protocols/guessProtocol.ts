/**
 * Which protocol a TCP connection speaks, from its server port and first payload bytes.
 * Content wins over port: a port only decides when the bytes say nothing.
 */
import { looksLikeTlsRecord } from './tls/constants.js';

export type GuessedProtocol = 'http' | 'amqp' | 'nomad-rpc' | 'serf' | 'tls' | 'other';

/** Default service ports (configurable by callers that deploy elsewhere). */
export const defaultProtocolPorts: ReadonlyMap<number, GuessedProtocol> = new Map<number, GuessedProtocol>([
  [80, 'http'], [8080, 'http'], [4646, 'http'], [5000, 'http'], [35357, 'http'], [8774, 'http'],
  [8775, 'http'], [8778, 'http'], [9292, 'http'], [9696, 'http'],
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
    if (sawStart && head0[0] >= 1 && head0[0] <= 6 && (head0[0] !== 3 && head0[0] !== 6 ? true : looksLikeYamux(head0, 1)) && ports.get(serverPort) === 'nomad-rpc') return 'nomad-rpc';
  }
  if (head1 && startsWith(head1, 'HTTP/1.')) return 'http';
  return ports.get(serverPort) ?? 'other';
}
