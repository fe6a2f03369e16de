import { describe, expect, it } from 'vitest';
import { nomadRpcEvent } from '../../../src/dissectors/nomad/rpcEvents.js';
import { nomadMessage } from '../../../src/dissectors/nomad/types.js';
import type { MsgpackRpcExchange, MsgpackRpcMessage } from '../../../src/protocols/types.js';
import type { ConnectionInfo } from '../../../src/net/types.js';

const conn: ConnectionInfo = {
  id: 2,
  client: { ip: '10.99.0.2', port: 44102 },
  server: { ip: '10.99.0.1', port: 4647 },
  sawSyn: true,
  startTs: 0,
};

function exchange(method: string, reqBody: unknown, respBody: unknown, error = ''): MsgpackRpcExchange {
  const msg = (kind: 'request' | 'response', body: unknown, first: number, last: number): MsgpackRpcMessage => ({
    conn,
    dir: kind === 'request' ? 0 : 1,
    streamId: 1,
    kind,
    serviceMethod: method,
    seq: 7,
    body,
    size: 100,
    firstByte: first,
    lastByte: last,
    ...(kind === 'response' ? { error } : {}),
  });
  return {
    conn,
    streamId: 1,
    request: msg('request', reqBody, 1_000_000, 1_500_000),
    response: respBody === null ? null : msg('response', respBody, 4_000_000, 6_000_000),
  };
}

describe('nomadRpcEvent', () => {
  it('Node.GetClientAllocs: blocking, MinQueryIndex, reply alloc id → modify index and Index', () => {
    const ev = nomadRpcEvent(
      exchange(
        'Node.GetClientAllocs',
        { NodeID: 'node-1', MinQueryIndex: 11 },
        { Allocs: { a1: 12, a2: 9 }, Index: 12 },
      ),
    );
    expect(ev).toMatchObject({
      method: 'Node.GetClientAllocs',
      blocking: true,
      minQueryIndex: 11,
      index: 12,
      clientAllocs: { a1: 12, a2: 9 },
      ids: { node: 'node-1', allocs: ['a1', 'a2'] },
      request: { first: 1_000_000, last: 1_500_000, src: '10.99.0.2:44102', dst: '10.99.0.1:4647', conn: 2 },
      response: { first: 4_000_000, last: 6_000_000, src: '10.99.0.1:4647', dst: '10.99.0.2:44102' },
    });
  });

  it('Alloc.GetAllocs: requested ids, and the full allocation with job and eval ids', () => {
    const ev = nomadRpcEvent(
      exchange(
        'Alloc.GetAllocs',
        { AllocIDs: ['a1'], MinQueryIndex: 12 },
        {
          Allocs: [
            {
              ID: 'a1',
              JobID: 'example1',
              EvalID: 'e1',
              NodeID: 'node-1',
              ClientStatus: 'pending',
              DesiredStatus: 'run',
              Job: { ID: 'example1' },
            },
          ],
          Index: 13,
        },
      ),
    );
    expect(ev.allocIds).toEqual(['a1']);
    expect(ev.allocs).toEqual([
      { id: 'a1', jobId: 'example1', evalId: 'e1', nodeId: 'node-1', clientStatus: 'pending', desiredStatus: 'run' },
    ]);
    expect(ev.ids).toEqual({ alloc: 'a1', job: 'example1', eval: 'e1' });
  });

  it('Node.UpdateAlloc: client status and task events, times as exact decimal strings', () => {
    const time = 1795560452150181196n;
    const ev = nomadRpcEvent(
      exchange(
        'Node.UpdateAlloc',
        {
          Alloc: [
            {
              ID: 'a1',
              NodeID: 'node-1',
              ClientStatus: 'running',
              ClientDescription: 'Tasks are running',
              TaskStates: {
                clickos: {
                  State: 'running',
                  Failed: false,
                  Restarts: 0,
                  Events: [
                    { Type: 'Received', Time: time - 5n },
                    { Type: 'Started', Time: time },
                  ],
                },
              },
            },
          ],
        },
        { Index: 16 },
      ),
    );
    expect(ev.allocs?.[0].taskStates).toEqual({
      clickos: {
        state: 'running',
        failed: false,
        restarts: 0,
        events: [
          { type: 'Received', timeNs: '1795560452150181191' },
          { type: 'Started', timeNs: '1795560452150181196' },
        ],
      },
    });
    expect(ev.ids).toEqual({ alloc: 'a1', node: 'node-1' });
    expect(ev.index).toBe(16);
  });

  it('an unknown method is still an event, with its name and sizes', () => {
    const ev = nomadRpcEvent(exchange('Deployment.List', { Region: 'global' }, null));
    expect(ev).toMatchObject({
      method: 'Deployment.List',
      response: null,
      requestBytes: 100,
      responseBytes: null,
      ids: {},
    });
  });

  it('nomadMessage: nomad-rpc line with duration in ms and the reply error as status', () => {
    expect(nomadMessage(nomadRpcEvent(exchange('Status.Ping', {}, {}, 'rpc: boom')))).toEqual({
      t: 1_000_000,
      vim: 'nomad',
      type: 'nomad-rpc',
      name: 'Status.Ping',
      service: 'nomad-server',
      src: '10.99.0.2:44102',
      dst: '10.99.0.1:4647',
      ms: 5,
      status: 'rpc: boom',
      ids: {},
    });
    expect(nomadMessage(nomadRpcEvent(exchange('Status.Ping', {}, null)))).toMatchObject({ ms: null });
    expect(nomadMessage(nomadRpcEvent(exchange('Status.Ping', {}, null)))).not.toHaveProperty('status');
  });
});
