/**
 * Msgpack RPC exchanges on a Nomad RPC connection → NomadRpcEvent.
 */
import { endpointTextUnbracketed } from '../endpointText.js';
import type { MsgpackRpcExchange, MsgpackRpcMessage } from '../../protocols/types.js';
import type { Observation } from '../types.js';
import { readMethodDetails } from './rpcMethods.js';
import type { NomadRpcEvent } from './types.js';

const addr = endpointTextUnbracketed;

function observation(m: MsgpackRpcMessage): Observation {
  const { client, server } = m.conn;
  const [src, dst] = m.dir === 0 ? [client, server] : [server, client];
  return { first: m.firstByte, last: m.lastByte, src: addr(src), dst: addr(dst), conn: m.conn.id };
}

export function nomadRpcEvent(ex: MsgpackRpcExchange): NomadRpcEvent {
  const { request, response } = ex;
  const ev: NomadRpcEvent = {
    method: request.serviceMethod,
    streamId: ex.streamId,
    conn: ex.conn.id,
    seq: request.seq,
    request: observation(request),
    response: response ? observation(response) : null,
    requestBytes: request.size,
    responseBytes: response ? response.size : null,
    ids: {},
  };
  if (response?.error) ev.error = response.error;
  readMethodDetails(request.serviceMethod, request.body, response?.body, ev);
  return ev;
}
