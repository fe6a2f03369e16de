import { describe, expect, it } from 'vitest';
import { nomadHttpEvent } from '../../../src/dissectors/nomad/httpEvents.js';
import { matchNomadRoute } from '../../../src/dissectors/nomad/httpRoutes.js';
import { nomadMessage } from '../../../src/dissectors/nomad/types.js';
import type { Header, HttpExchange } from '../../../src/protocols/types.js';
import type { ConnectionInfo } from '../../../src/net/types.js';

const conn: ConnectionInfo = {
  id: 3,
  client: { ip: '10.99.0.3', port: 57086 },
  server: { ip: '10.99.0.1', port: 4646 },
  sawSyn: true,
  startTs: 0,
};
const token = '993b5677-a5cf-4608-a7c7-e23e9bfc8fd0';
const body = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

function exchange(
  method: string,
  target: string,
  reqBody: unknown,
  status: number | null,
  respBody: unknown = '',
  respHeaders: Header[] = [],
): HttpExchange {
  const rb = reqBody === undefined ? new Uint8Array(0) : body(reqBody);
  const sb = body(respBody);
  return {
    conn,
    request: {
      method,
      target,
      version: 'HTTP/1.1',
      headers: [
        ['X-Nomad-Token', token],
        ['Content-Type', 'application/json'],
      ],
      body: rb,
      bodyTruncated: false,
      bodyLength: rb.length,
      firstByte: 10_000_000,
      lastByte: 11_000_000,
    },
    response:
      status === null
        ? null
        : {
            status,
            reason: 'OK',
            version: 'HTTP/1.1',
            headers: respHeaders,
            body: sb,
            bodyTruncated: false,
            bodyLength: sb.length,
            firstByte: 20_000_000,
            lastByte: 22_000_000,
          },
  };
}

describe('Nomad HTTP routes', () => {
  it.each([
    ['PUT', '/v1/jobs', 'PUT /v1/jobs', {}],
    ['POST', '/v1/job/example1', 'POST /v1/job/{id}', { job: 'example1' }],
    ['DELETE', '/v1/job/example%2F1', 'DELETE /v1/job/{id}', { job: 'example/1' }],
    ['GET', '/v1/job/example1/allocations', 'GET /v1/job/{id}/allocations', { job: 'example1' }],
    [
      'GET',
      '/v1/allocation/7bb9ef47-ea8d-e10c-42dc-f66939209a80',
      'GET /v1/allocation/{id}',
      { alloc: '7bb9ef47-ea8d-e10c-42dc-f66939209a80' },
    ],
    [
      'GET',
      '/v1/evaluation/cd7176e7-4eed-fcf7-3afc-684551a095be',
      'GET /v1/evaluation/{id}',
      { eval: 'cd7176e7-4eed-fcf7-3afc-684551a095be' },
    ],
    ['GET', '/v1/volumes/csi/abc123', 'GET /v1/volumes/csi/{id}', {}],
  ])('%s %s → %s', (method, path, route, ids) => {
    expect(matchNomadRoute(method, path)).toMatchObject({ route, ids });
  });
});

describe('nomadHttpEvent', () => {
  it('PUT /v1/jobs: job id from the request body, eval id and indexes from the reply, no token', () => {
    const ev = nomadHttpEvent(
      exchange('PUT', '/v1/jobs', { Job: { ID: 'example1', Name: 'example1' } }, 200, {
        EvalID: 'cd7176e7-4eed-fcf7-3afc-684551a095be',
        EvalCreateIndex: 14,
        JobModifyIndex: 14,
        Index: 14,
        Warnings: '',
      }),
    );
    expect(ev).toMatchObject({
      route: 'PUT /v1/jobs',
      method: 'PUT',
      status: 200,
      reqFirst: 10_000_000,
      respLast: 22_000_000,
      ids: { job: 'example1', eval: 'cd7176e7-4eed-fcf7-3afc-684551a095be' },
      evalCreateIndex: 14,
      jobModifyIndex: 14,
      index: 14,
      src: '10.99.0.3:57086',
      dst: '10.99.0.1:4646',
    });
    expect(JSON.stringify(ev)).not.toContain(token);
    expect(nomadMessage(ev)).toEqual({
      t: 10_000_000,
      vim: 'nomad',
      type: 'http',
      name: 'PUT /v1/jobs',
      service: 'nomad-server',
      src: '10.99.0.3:57086',
      dst: '10.99.0.1:4646',
      ms: 12,
      status: 200,
      ids: { job: 'example1', eval: 'cd7176e7-4eed-fcf7-3afc-684551a095be' },
    });
  });

  it('a blocking query: template without the query, index waited past and X-Nomad-Index answered', () => {
    const ev = nomadHttpEvent(
      exchange(
        'GET',
        '/v1/job/example1/allocations?index=15&wait=30000ms',
        undefined,
        200,
        [{ ID: 'a1', EvalID: 'e1', ClientStatus: 'running' }],
        [['X-Nomad-Index', '17']],
      ),
    );
    expect(ev).toMatchObject({
      route: 'GET /v1/job/{id}/allocations',
      blocking: true,
      queryIndex: 15,
      responseIndex: 17,
      ids: { job: 'example1', alloc: 'a1' },
    });
    expect(ev.allocs).toEqual([{ id: 'a1', evalId: 'e1', clientStatus: 'running' }]);
  });

  it('GET /v1/allocation/{id}: client status, job and eval of the alloc', () => {
    const ev = nomadHttpEvent(
      exchange('GET', '/v1/allocation/a1?index=20&wait=30000ms', undefined, 200, {
        ID: 'a1',
        JobID: 'example1',
        EvalID: 'e1',
        ClientStatus: 'complete',
      }),
    );
    expect(ev.ids).toEqual({ alloc: 'a1', job: 'example1', eval: 'e1' });
    expect(ev.allocs).toEqual([{ id: 'a1', evalId: 'e1', clientStatus: 'complete' }]);
  });

  it('DELETE /v1/job/{id}: job from the path, eval from the reply', () => {
    const ev = nomadHttpEvent(
      exchange('DELETE', '/v1/job/example1', undefined, 200, { EvalID: 'e9', EvalCreateIndex: 30, JobModifyIndex: 30 }),
    );
    expect(ev).toMatchObject({
      route: 'DELETE /v1/job/{id}',
      ids: { job: 'example1', eval: 'e9' },
      evalCreateIndex: 30,
    });
  });

  it('no response: status and respLast null; a body that is not JSON gives no ids, not an error', () => {
    const ev = nomadHttpEvent(exchange('PUT', '/v1/jobs', 'job "x" {', null));
    expect(ev).toMatchObject({ status: null, respFirst: null, respLast: null, ids: {} });
    expect(nomadMessage(ev).ms).toBeNull();
  });
});
