/**
 * The parser of one connection, once its protocol is known: the same choice for the
 * single-threaded session and for each worker of a parallel one (parallelCapture.ts), so
 * that both parse every connection alike. Where the parsers' output goes is the caller's.
 */
import type { ConnectionInfo, StreamHandler } from '../net/types.js';
import { AmqpConnectionParser } from '../protocols/amqp/connectionParser.js';
import { HttpConnectionParser, type HttpHeadInfo } from '../protocols/http/parser.js';
import type { GuessedProtocol } from '../protocols/guessProtocol.js';
import { SniffingHandler } from '../protocols/sniffingHandler.js';
import { TlsConnectionParser } from '../protocols/tls/tlsConnectionParser.js';
import type { TlsKeyLog } from '../protocols/tls/keyLog.js';
import { count, type AmqpMessage, type HttpExchange, type ProtocolContext } from '../protocols/types.js';
import { novaBodyFilter } from '../dissectors/nova/restEvents.js';
import { NomadRpcConnectionParser } from '../dissectors/nomad/nomadRpcConnectionParser.js';
import { nomadKeepsBody } from '../dissectors/nomad/httpEvents.js';
import { nomadRpcEvent } from '../dissectors/nomad/rpcEvents.js';
import type { NomadRpcEvent } from '../dissectors/nomad/types.js';
import type { Vim } from '../dissectors/types.js';

/** Where the parsers of a session hand what they decode. */
export interface ParserSinks {
  http(ex: HttpExchange): void;
  amqp(m: AmqpMessage): void;
  nomadRpc(ev: NomadRpcEvent): void;
  /** A new TLS connection: note its summary; the handler returned stands for the parser. */
  tls(p: TlsConnectionParser): StreamHandler;
}

export interface ParserChoice {
  ctx: ProtocolContext;
  sinks: ParserSinks;
  /** Only this VIM's protocols are parsed (default: both). */
  vim?: Vim;
  /** Ports Nomad's HTTP API listens on (bodies there are kept). */
  nomadApiPorts: ReadonlySet<number>;
  tlsKeyLog?: TlsKeyLog;
}

/** The parser for one connection (null: its payload is not parsed); counts the protocol. */
export function parserFor(choice: ParserChoice, proto: GuessedProtocol, conn: ConnectionInfo): StreamHandler | null {
  const { ctx, sinks, vim } = choice;
  count(ctx.counters, 'connections', proto);
  switch (proto) {
    case 'http':
      return new HttpConnectionParser(conn, (ex) => sinks.http(ex), ctx, {
        keepBody: bodyFilter(conn, choice.nomadApiPorts),
        midStream: !conn.sawSyn,
      });
    case 'amqp':
      return vim === undefined || vim === 'nova'
        ? new AmqpConnectionParser(conn, { message: (m) => sinks.amqp(m) }, ctx)
        : null;
    case 'nomad-rpc':
      return vim === undefined || vim === 'nomad'
        ? new NomadRpcConnectionParser(conn, (ex) => sinks.nomadRpc(nomadRpcEvent(ex)), ctx)
        : null;
    case 'tls': {
      // What a TLS connection decrypts to goes to the parser its plaintext calls for.
      const inner = () => new SniffingHandler(conn, (p, c) => (p === 'tls' ? null : parserFor(choice, p, c)));
      return sinks.tls(new TlsConnectionParser(conn, ctx, choice.tlsKeyLog ?? null, inner));
    }
    default:
      return null;
  }
}

/** Nova keeps only the bodies it reads; Nomad's API (its ports or /v1/ paths) keeps them, bounded. */
function bodyFilter(conn: ConnectionInfo, nomadApiPorts: ReadonlySet<number>): (head: HttpHeadInfo) => boolean {
  const nova = novaBodyFilter(conn);
  return (head) =>
    ((nomadApiPorts.has(conn.server.port) || (head.target?.startsWith('/v1/') ?? false)) && nomadKeepsBody(head)) ||
    nova(head);
}
