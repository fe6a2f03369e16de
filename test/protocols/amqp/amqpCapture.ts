/** Test helper: every port-5672 connection of a capture through AmqpConnectionParser. */
import { reassembleTcp } from '../../../src/net/reassembleTcp.js';
import { AmqpConnectionParser } from '../../../src/protocols/amqp/connectionParser.js';
import type { AmqpMessage, AmqpMethod, ProtocolContext, ProtocolWarning } from '../../../src/protocols/types.js';
import { defaultProtocolLimits } from '../../../src/protocols/types.js';

export async function parseAmqpCapture(path: string, onMessage?: (m: AmqpMessage) => void) {
  const methods: AmqpMethod[] = [];
  const messages: AmqpMessage[] = [];
  const warnings: ProtocolWarning[] = [];
  const ctx: ProtocolContext = { counters: {}, warn: (w) => warnings.push(w), limits: defaultProtocolLimits };
  const net = await reassembleTcp(path, (conn) =>
    conn.server.port === 5672 || conn.client.port === 5672
      ? new AmqpConnectionParser(
          conn,
          { method: (m) => methods.push(m), message: onMessage ?? ((m) => messages.push(m)) },
          ctx,
        )
      : null,
  );
  return { methods, messages, warnings, ctx, net };
}
