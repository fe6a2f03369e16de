import { describe, expect, it } from 'vitest';
import type { Header, HttpExchange } from '../../../src/protocols/types.js';
import { novaBodyFilter, novaHttpEvent, novaHttpMessage } from '../../../src/dissectors/nova/restEvents.js';
import { matchRoute } from '../../../src/dissectors/nova/restRoutes.js';
import { classifyService } from '../../../src/dissectors/nova/restServices.js';

interface Spec {
  port?: number;
  method: string;
  target: string;
  reqHeaders?: Header[];
  reqBody?: string;
  status?: number | null;
  resHeaders?: Header[];
  resBody?: string;
}

/** A hand-built exchange: request at 1000–2000 ns, response at 5000–7000 ns. */
function exchange(s: Spec): HttpExchange {
  const body = (t?: string) => Buffer.from(t ?? '');
  return {
    conn: {
      id: 3,
      client: { ip: '10.98.0.3', port: 37262 },
      server: { ip: '10.98.0.1', port: s.port ?? 8774 },
      sawSyn: true,
      startTs: 0,
    },
    request: {
      method: s.method,
      target: s.target,
      version: 'HTTP/1.1',
      headers: s.reqHeaders ?? [],
      body: body(s.reqBody),
      bodyTruncated: false,
      bodyLength: body(s.reqBody).length,
      firstByte: 1000,
      lastByte: 2000,
    },
    response:
      s.status === null
        ? null
        : {
            status: s.status ?? 200,
            reason: '',
            version: 'HTTP/1.1',
            headers: s.resHeaders ?? [],
            body: body(s.resBody),
            bodyTruncated: false,
            bodyLength: body(s.resBody).length,
            firstByte: 5000,
            lastByte: 7000,
          },
  };
}

const SERVER = 'b956784b-1e94-4804-8591-9ca1c98c8560';
const IMAGE = '03f569a1-aa3c-4241-8985-65a99f73e9c8';
const RP = '9b5d3a5e-6c1f-4f8a-9d0e-2f1b7c3a4d5e';
const REQ = 'req-09501eaf-cdff-42c1-9cb8-9171cce68dc2';
const OTHER_REQ = 'req-59007c1f-2fff-40ce-aa7c-785647887ff9';
const USER_TOKEN = 'gAAAAABrBnU61-vVDSY8ZCuLGnhedGnR2Padircj0--6UUdh7khEG1lsIzBfZdVDW1VNFvtWJ91FEStVsl6QdI8uS88';
const SERVICE_TOKEN = 'gAAAAABrBnOpeyrL4VlNs20Xm1DxLa5P8DPbXmlYxTgOSM7jwT5XcxRp3EJ3QalTIeAIzbM_9L7GZt5XpOkvIsFQKXjx';
const ADMIN_PASS = 'wLDYAhok2U2F';
const PASSWORD = 'novaFHHu7rz2q3tdvcH9saJb';

describe('route templates', () => {
  const cases: [service: Parameters<typeof matchRoute>[0], method: string, target: string, route: string][] = [
    ['nova-api', 'POST', '/v2.1/servers', 'POST /v2.1/servers'],
    ['nova-api', 'GET', `/v2.1/servers/${SERVER}`, 'GET /v2.1/servers/{id}'],
    ['nova-api', 'DELETE', `/v2.1/servers/${SERVER}`, 'DELETE /v2.1/servers/{id}'],
    ['nova-api', 'GET', '/v2.1/servers/detail?all_tenants=1', 'GET /v2.1/servers/detail'],
    ['nova-api', 'POST', `/v2.1/servers/${SERVER}/action`, 'POST /v2.1/servers/{id}/action'],
    ['nova-api', 'GET', `/v2.1/1e86136875f1495296b53da461756ba1/servers/${SERVER}`, 'GET /v2.1/servers/{id}'],
    ['nova-api', 'GET', `/v2/1e86136875f1495296b53da461756ba1/servers/${SERVER}/`, 'GET /v2.1/servers/{id}'],
    ['keystone', 'GET', '/v3/auth/tokens', 'GET /v3/auth/tokens'],
    ['keystone', 'POST', '/v3/auth/tokens?nocatalog', 'POST /v3/auth/tokens'],
    ['keystone', 'GET', '/', 'GET /'],
    ['glance', 'GET', `/v2/images/${IMAGE}`, 'GET /v2/images/{id}'],
    ['glance', 'GET', `/v2/images/${IMAGE}/file`, 'GET /v2/images/{id}/file'],
    ['glance', 'GET', '/v2/schemas/image', 'GET /v2/schemas/image'],
    [
      'placement',
      'GET',
      '/allocation_candidates?limit=1000&resources=DISK_GB%3A1%2CVCPU%3A1',
      'GET /allocation_candidates',
    ],
    ['placement', 'PUT', `/allocations/${SERVER}`, 'PUT /allocations/{id}'],
    ['placement', 'GET', `/allocations/${SERVER}`, 'GET /allocations/{id}'],
    ['placement', 'DELETE', `/allocations/${SERVER}`, 'DELETE /allocations/{id}'],
    ['placement', 'GET', `/resource_providers/${RP}/allocations`, 'GET /resource_providers/{id}/allocations'],
    ['placement', 'GET', `/resource_providers?in_tree=${RP}`, 'GET /resource_providers'],
    ['neutron', 'GET', `/v2.0/ports?device_id=${SERVER}`, 'GET /v2.0/ports'],
    ['neutron', 'GET', '/v2.0/networks?shared=True', 'GET /v2.0/networks'],
    // generic fallback: ids replaced, query dropped
    [
      'nova-api',
      'GET',
      `/v2.1/os-instance-actions/${SERVER}/events/42?x=1`,
      'GET /v2.1/os-instance-actions/{id}/{id}/{id}',
    ],
    // keystone v2.0 token validation: the token is never part of the name
    ['keystone', 'GET', '/v2.0/tokens/s3cr3t', 'GET /v2.0/tokens/{id}'],
    ['keystone', 'GET', '/v2.0/unknown/short', 'GET /v2.0/{id}/{id}'],
    ['placement', 'PATCH', `/resource_providers/${RP}`, 'PATCH /resource_providers/{id}'],
  ];
  it.each(cases)('%s %s %s → %s', (service, method, target, route) => {
    expect(matchRoute(service, method, target).route).toBe(route);
  });

  it('reads the server uuid from the path and from a device_id query, the image from the path', () => {
    expect(matchRoute('nova-api', 'GET', `/v2.1/servers/${SERVER.toUpperCase()}`).ids).toEqual({ server: SERVER });
    expect(matchRoute('placement', 'PUT', `/allocations/${SERVER}`).ids).toEqual({ server: SERVER });
    expect(matchRoute('neutron', 'GET', `/v2.0/ports?tenant_id=x&device_id=${SERVER}`).ids).toEqual({ server: SERVER });
    expect(matchRoute('glance', 'GET', `/v2/images/${IMAGE}/file`).ids).toEqual({ image: IMAGE });
    expect(matchRoute('placement', 'GET', `/resource_providers/${RP}/allocations`).ids).toEqual({});
    expect(matchRoute('nova-api', 'GET', '/v2.1/servers/not-a-uuid').ids).toEqual({});
  });
});

describe('service classification', () => {
  it('goes by port', () => {
    expect([8774, 5000, 35357, 9292, 8778, 9696].map((p) => classifyService('/x', p)?.service)).toEqual([
      'nova-api',
      'keystone',
      'keystone',
      'glance',
      'placement',
      'neutron',
    ]);
  });

  it('goes by the front end prefix first, and strips it', () => {
    expect(classifyService(`/compute/v2.1/servers/${SERVER}`, 80)).toEqual({
      service: 'nova-api',
      path: `/v2.1/servers/${SERVER}`,
    });
    expect(classifyService('/identity/v3/auth/tokens', 443)).toEqual({ service: 'keystone', path: '/v3/auth/tokens' });
    expect(classifyService(`/image/v2/images/${IMAGE}`, 80)).toEqual({
      service: 'glance',
      path: `/v2/images/${IMAGE}`,
    });
    expect(classifyService('/placement/allocation_candidates', 80)).toEqual({
      service: 'placement',
      path: '/allocation_candidates',
    });
    expect(classifyService('/networking/v2.0/ports', 80)).toEqual({ service: 'neutron', path: '/v2.0/ports' });
    expect(classifyService('/placement', 80)).toEqual({ service: 'placement', path: '/' });
    // `/images` is not the `/image` prefix
    expect(classifyService('/imagesxyz', 80)).toBeNull();
  });

  it('falls back to the shape of the path on unknown ports', () => {
    expect(classifyService('/v2.1/servers', 18774)?.service).toBe('nova-api');
    expect(classifyService('/v2/images', 19292)?.service).toBe('glance');
    expect(classifyService('/resource_providers', 1)?.service).toBe('placement');
    expect(classifyService('/v1/jobs', 4646)).toBeNull();
  });

  it('takes a configurable port table', () => {
    expect(classifyService('/whatever', 18080, { 18080: 'placement' })?.service).toBe('placement');
    expect(classifyService('/whatever', 8774, { 18080: 'placement' })).toBeNull();
    // the table is data, not an object with a prototype to reach through
    expect(classifyService('/whatever', 'constructor' as unknown as number)).toBeNull();
  });
});

describe('novaHttpEvent', () => {
  const boot = exchange({
    method: 'POST',
    target: '/v2.1/servers',
    reqHeaders: [
      ['X-Auth-Token', USER_TOKEN],
      ['Content-Type', 'application/json'],
    ],
    reqBody: JSON.stringify({
      server: { name: 'vimo-1', imageRef: IMAGE, flavorRef: '1', networks: 'none', adminPass: ADMIN_PASS },
    }),
    status: 202,
    resHeaders: [
      ['X-Openstack-Request-Id', REQ],
      ['X-Compute-Request-Id', REQ],
    ],
    resBody: JSON.stringify({
      server: { id: SERVER, links: [], 'OS-DCF:diskConfig': 'MANUAL', adminPass: ADMIN_PASS },
    }),
  });

  it('gives a boot its route, server id, request id, image and times', () => {
    expect(novaHttpEvent(boot)).toEqual({
      service: 'nova-api',
      route: 'POST /v2.1/servers',
      method: 'POST',
      status: 202,
      reqFirst: 1000,
      reqLast: 2000,
      respFirst: 5000,
      respLast: 7000,
      src: '10.98.0.3:37262',
      dst: '10.98.0.1:8774',
      conn: 3,
      ids: { server: SERVER, image: IMAGE, request: REQ },
    });
  });

  it('reads the status of a server view', () => {
    const ev = novaHttpEvent(
      exchange({
        method: 'GET',
        target: `/v2.1/servers/${SERVER}`,
        resHeaders: [['X-Compute-Request-Id', OTHER_REQ]],
        resBody: JSON.stringify({ server: { id: SERVER, status: 'ACTIVE', image: { id: IMAGE } } }),
      }),
    )!;
    expect([ev.route, ev.serverStatus, ev.ids]).toEqual([
      'GET /v2.1/servers/{id}',
      'ACTIVE',
      { server: SERVER, image: IMAGE, request: OTHER_REQ },
    ]);
  });

  it("keys a glance lookup by the caller's request id, keeping glance's own apart", () => {
    const ev = novaHttpEvent(
      exchange({
        port: 9292,
        method: 'GET',
        target: `/v2/images/${IMAGE}`,
        reqHeaders: [
          ['X-OpenStack-Request-ID', REQ],
          ['X-Auth-Token', USER_TOKEN],
          ['X-Service-Token', SERVICE_TOKEN],
        ],
        resHeaders: [['X-Openstack-Request-Id', OTHER_REQ]],
        resBody: '{"id": "x"}',
      }),
    )!;
    expect([ev.service, ev.route, ev.ids, ev.serviceRequestId]).toEqual([
      'glance',
      'GET /v2/images/{id}',
      { image: IMAGE, request: REQ },
      OTHER_REQ,
    ]);
  });

  it('classifies a deployment behind one front end with prefixes', () => {
    const ev = (target: string, method = 'GET') => novaHttpEvent(exchange({ port: 80, method, target }))!;
    expect([ev(`/compute/v2.1/servers/${SERVER}`).route, ev(`/compute/v2.1/servers/${SERVER}`).ids.server]).toEqual([
      'GET /v2.1/servers/{id}',
      SERVER,
    ]);
    expect(ev('/compute/v2.1/servers', 'POST').service).toBe('nova-api');
    expect([ev('/identity/v3/auth/tokens').service, ev('/identity/v3/auth/tokens').tokenValidation]).toEqual([
      'keystone',
      true,
    ]);
    expect(ev(`/image/v2/images/${IMAGE}/file`).route).toBe('GET /v2/images/{id}/file');
    expect(ev(`/placement/allocations/${SERVER}`, 'PUT').route).toBe('PUT /allocations/{id}');
    expect(ev('/networking/v2.0/ports?device_id=x').route).toBe('GET /v2.0/ports');
    expect(novaHttpEvent(exchange({ port: 80, method: 'GET', target: '/index.html' }))).toBeNull();
  });

  it('marks token validations and keeps no token, password or adminPass', () => {
    const validation = exchange({
      port: 5000,
      method: 'GET',
      target: '/v3/auth/tokens',
      reqHeaders: [
        ['X-Subject-Token', USER_TOKEN],
        ['X-Auth-Token', SERVICE_TOKEN],
      ],
      resHeaders: [
        ['X-Subject-Token', USER_TOKEN],
        ['x-openstack-request-id', OTHER_REQ],
      ],
      resBody: JSON.stringify({ token: { user: { name: 'admin' } } }),
    });
    const issue = exchange({
      port: 5000,
      method: 'POST',
      target: '/v3/auth/tokens',
      reqBody: JSON.stringify({
        auth: { identity: { methods: ['password'], password: { user: { name: 'nova', password: PASSWORD } } } },
      }),
      status: 201,
      resHeaders: [['X-Subject-Token', SERVICE_TOKEN]],
    });
    const v = novaHttpEvent(validation)!;
    const i = novaHttpEvent(issue)!;
    expect([v.tokenValidation, i.tokenValidation, i.route]).toEqual([true, undefined, 'POST /v3/auth/tokens']);
    const out = JSON.stringify([v, i, novaHttpEvent(boot), novaHttpMessage(v), novaHttpMessage(novaHttpEvent(boot)!)]);
    for (const secret of [USER_TOKEN, SERVICE_TOKEN, ADMIN_PASS, PASSWORD]) expect(out).not.toContain(secret);
    // the exchanges themselves did hold them: the test input is not vacuous
    const raw = JSON.stringify(
      [validation, issue, boot].map((e) => [
        e.request.headers,
        e.response?.headers,
        Buffer.from(e.request.body).toString(),
        Buffer.from(e.response?.body ?? []).toString(),
      ]),
    );
    for (const secret of [USER_TOKEN, SERVICE_TOKEN, ADMIN_PASS, PASSWORD]) expect(raw).toContain(secret);
  });

  it('survives bodies that are not JSON, truncated, or shaped otherwise', () => {
    for (const resBody of ['not json', '{"server": "x"}', '{"server": {"id": 5, "status": {"a": 1}}}', '[]', 'null']) {
      const ev = novaHttpEvent(exchange({ method: 'GET', target: `/v2.1/servers/${SERVER}`, resBody }))!;
      expect([ev.serverStatus, ev.ids]).toEqual([undefined, { server: SERVER }]);
    }
  });

  it('carries an exchange without response as status null and ms null', () => {
    const ev = novaHttpEvent({
      ...exchange({ method: 'DELETE', target: `/v2.1/servers/${SERVER}`, status: null }),
      incomplete: 'no response',
    })!;
    expect([ev.status, ev.respLast, ev.incomplete]).toEqual([null, null, 'no response']);
    expect(novaHttpMessage(ev)).toEqual({
      t: 1000,
      vim: 'nova',
      type: 'http',
      name: 'DELETE /v2.1/servers/{id}',
      service: 'nova-api',
      src: '10.98.0.3:37262',
      dst: '10.98.0.1:8774',
      ms: null,
      ids: { server: SERVER },
    });
  });

  it('turns into a messages --json line with ms from request first to response last byte', () => {
    expect(novaHttpMessage(novaHttpEvent(boot)!)).toMatchObject({
      t: 1000,
      name: 'POST /v2.1/servers',
      service: 'nova-api',
      ms: 0.006,
      status: 202,
    });
  });
});

describe('novaBodyFilter', () => {
  const conn = exchange({ method: 'GET', target: '/' }).conn;
  const keep = novaBodyFilter(conn);
  it('keeps only the bodies the event reads', () => {
    expect(keep({ dir: 1, headers: [], method: 'POST', target: '/v2.1/servers', status: 202 })).toBe(true);
    expect(keep({ dir: 0, headers: [], method: 'POST', target: '/v2.1/servers' })).toBe(true);
    expect(keep({ dir: 1, headers: [], method: 'GET', target: `/v2.1/servers/${SERVER}`, status: 200 })).toBe(true);
    expect(keep({ dir: 0, headers: [], method: 'GET', target: `/v2.1/servers/${SERVER}` })).toBe(false);
    expect(keep({ dir: 1, headers: [], method: 'GET', target: '/v2.1/servers/detail', status: 200 })).toBe(false);
    expect(
      novaBodyFilter({ ...conn, server: { ip: '10.98.0.5', port: 9292 } })({
        dir: 1,
        headers: [],
        method: 'GET',
        target: `/v2/images/${IMAGE}/file`,
      }),
    ).toBe(false);
  });
});
