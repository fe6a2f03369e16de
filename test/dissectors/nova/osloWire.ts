/** Test helpers: oslo.messaging bodies and the AMQP messages that carry them. */
import type { ConnectionInfo, Direction } from '../../../src/net/types.js';
import type { AmqpMessage } from '../../../src/protocols/types.js';

export const envelope = (inner: unknown) =>
  new TextEncoder().encode(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(inner) }));

let nextConn = 0;
export function connection(clientIp: string, clientPort: number, brokerIp = '10.98.0.4'): ConnectionInfo {
  return {
    id: nextConn++,
    client: { ip: clientIp, port: clientPort },
    server: { ip: brokerIp, port: 5672 },
    sawSyn: false,
    startTs: 0,
  };
}

/** A Basic.Publish (dir 0) or Basic.Deliver (dir 1) of `inner` at [first, last]. */
export function amqp(
  conn: ConnectionInfo,
  kind: 'publish' | 'deliver',
  exchange: string,
  routingKey: string,
  inner: unknown,
  first: number,
  last = first + 1000,
): AmqpMessage {
  const body = envelope(inner);
  const dir: Direction = kind === 'publish' ? 0 : 1;
  return {
    conn,
    dir,
    channel: 1,
    method: kind === 'publish' ? 'Basic.Publish' : 'Basic.Deliver',
    exchange,
    routingKey,
    ...(kind === 'deliver' ? { deliveryTag: 1, consumerTag: 'ctag' } : {}),
    properties: { contentType: 'application/json' },
    body,
    bodySize: body.length,
    bodyTruncated: false,
    firstByte: first,
    lastByte: last,
  };
}

export const context = {
  _context_auth_token: 'gAAAAABtokenSECRETtoken',
  _context_service_catalog: [{ type: 'image', endpoints: [{ url: 'http://10.98.0.5:9292' }], token: 'catalogSECRET' }],
  _context_request_id: 'req-11111111-2222-3333-4444-555555555555',
  _context_global_request_id: null,
};
export const novaObject = (name: string, data: Record<string, unknown>, changes?: string[]) => ({
  'nova_object.name': name,
  'nova_object.namespace': 'nova',
  'nova_object.version': '1.0',
  'nova_object.data': data,
  ...(changes ? { 'nova_object.changes': changes } : {}),
});
