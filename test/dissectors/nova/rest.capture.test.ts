/**
 * The HTTP parser + Nova REST classifier on the shared captures, against tshark's
 * reference counts in each capture's README.md and the ground truth in runs.tsv.
 * The Nomad captures' HTTP (ports 4646, 8080) is only parsed here, not interpreted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { novaBodyFilter, novaHttpEvent, novaHttpMessage } from '../../../src/dissectors/nova/restEvents.js';
import type { NovaHttpEvent } from '../../../src/dissectors/nova/types.js';
import { reassembleTcp } from '../../../src/net/reassembleTcp.js';
import { HttpConnectionParser } from '../../../src/protocols/http/parser.js';
import {
  defaultProtocolLimits,
  type HttpExchange,
  type ProtocolContext,
  type ProtocolWarning,
} from '../../../src/protocols/types.js';
import { capturePath, runsOf, secretsOf, sharedFile, truthOf } from '../../helpers/groundTruth.js';

/** `{'5000 GET': 1, …}` from "HTTP requests by destination port and method". */
function readmeByPortMethod(readme: string): Record<string, number> {
  const m = /HTTP requests by destination port and method[^:]*: (\{[^}]*\})/.exec(readme);
  if (m === null) throw new Error('README has no HTTP requests by destination port and method');
  return JSON.parse(m[1].replace(/'/g, '"')) as Record<string, number>;
}

/** `{'GET :9696 /v2.0/ports': 803, …}` from the "All request routes" block. */
function readmeRoutes(readme: string): Record<string, number> {
  const m = /All request routes[^\n]*\n```\n([\s\S]*?)```/.exec(readme);
  if (m === null) throw new Error('README has no route list');
  const out: Record<string, number> = {};
  for (const line of m[1].split('\n')) {
    const r = /^\s*(\d+)\s+(\S+ :\d+ \S+)\s*$/.exec(line);
    if (r !== null) out[r[2]] = Number(r[1]);
  }
  return out;
}

function tally(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

async function parseHttp(path: string, ports: Set<number>, nova: boolean) {
  const exchanges: HttpExchange[] = [];
  const warnings: ProtocolWarning[] = [];
  const ctx: ProtocolContext = { counters: {}, warn: (w) => warnings.push(w), limits: defaultProtocolLimits };
  const t0 = performance.now();
  const net = await reassembleTcp(path, (conn) =>
    ports.has(conn.server.port)
      ? new HttpConnectionParser(conn, (ex) => exchanges.push(ex), ctx, nova ? { keepBody: novaBodyFilter(conn) } : {})
      : null,
  );
  return { exchanges, warnings, counters: ctx.counters.http ?? {}, net, ms: performance.now() - t0 };
}

const NOVA_PORTS = new Set([5000, 8774, 8778, 9292, 9696]);
const novaCases = ['nova-seq', 'nova-burst', 'nova-net'];

for (const name of novaCases) {
  describe(`Nova REST on ${name}`, () => {
    let parsed: Awaited<ReturnType<typeof parseHttp>>;
    let events: NovaHttpEvent[];
    const readme = () => readFileSync(sharedFile(name, 'README.md'), 'utf8');

    it('parses every HTTP connection cleanly', async () => {
      parsed = await parseHttp(capturePath(name), NOVA_PORTS, true);
      events = parsed.exchanges.map((ex) => novaHttpEvent(ex)).filter((e): e is NovaHttpEvent => e !== null);
      expect(events.length).toBe(parsed.exchanges.length);
      expect(parsed.counters.parseErrors).toBeUndefined();
      expect(parsed.counters.orphanResponses).toBeUndefined();
      expect(parsed.counters.requests).toBe(parsed.counters.responses);
      console.log(
        `${name}: ${parsed.exchanges.length} exchanges in ${parsed.ms.toFixed(0)} ms; http counters ${JSON.stringify(parsed.counters)}`,
      );
    });

    it('counts requests by port and method exactly as tshark', () => {
      const ours = tally(parsed.exchanges.map((ex) => `${ex.conn.server.port} ${ex.request.method}`));
      expect(ours).toEqual(readmeByPortMethod(readme()));
    });

    it("counts requests by route template exactly as tshark's route list", () => {
      const ours = tally(
        events.map((e) => {
          const [method, path] = e.route.split(' ');
          return `${method} :${Number(e.dst.split(':')[1])} ${path}`;
        }),
      );
      expect(ours).toEqual(readmeRoutes(readme()));
    });

    it('finds one POST /v2.1/servers per run, with its server and request ids', () => {
      const runs = runsOf(name);
      const posts = events.filter((e) => e.route === 'POST /v2.1/servers');
      expect(posts.length).toBe(runs.length);
      for (const run of runs) {
        const mine = posts.filter((e) => e.ids.server === run.server_id);
        expect(mine.length, run.server_id).toBe(1);
        expect(mine[0].ids.request).toBe(run.request_id);
        expect(mine[0].status).toBe(202);
        expect(mine[0].respLast).toBeGreaterThan(mine[0].reqFirst);
      }
    });

    it("gives every glance image lookup the boot's request id", () => {
      const runs = runsOf(name);
      const lookups = events.filter((e) => e.service === 'glance' && e.route === 'GET /v2/images/{id}');
      expect(lookups.length).toBe(readmeRoutes(readme())['GET :9292 /v2/images/{id}']);
      // One lookup by nova-api per boot; nova-net's compute host looks its image up again when it downloads it.
      const byApi = lookups.filter((e) => e.src.startsWith('10.98.0.1:'));
      expect(byApi.map((e) => e.ids.request).sort()).toEqual(runs.map((r) => r.request_id).sort());
      const ids = new Set(runs.map((r) => r.request_id));
      for (const e of lookups) expect(ids.has(e.ids.request!), e.ids.request).toBe(true);
      for (const e of lookups) expect(e.ids.image).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('sees each server become ACTIVE in a server view', () => {
      const runs = runsOf(name);
      const active = new Set(events.filter((e) => e.serverStatus === 'ACTIVE').map((e) => e.ids.server));
      for (const run of runs) expect(active.has(run.server_id), run.server_id).toBe(true);
    });

    it('lets no secret from secrets.txt into any event or message', () => {
      const secrets = secretsOf(name);
      expect(secrets.length).toBeGreaterThan(0);
      const out =
        JSON.stringify(events) + JSON.stringify(events.map(novaHttpMessage)) + JSON.stringify(parsed.warnings);
      const leaked = secrets.filter((s) => out.includes(s));
      expect(leaked).toEqual([]);
      // and the tokens really were on the wire, in the exchanges we reduced
      const wire = JSON.stringify(parsed.exchanges.map((ex) => [ex.request.headers, ex.response?.headers]));
      expect(secrets.some((s) => wire.includes(s))).toBe(true);
    });
  });
}

describe('Neutron and image downloads on nova-net: the facts the networking phases are built from', () => {
  let events: NovaHttpEvent[];
  const runs = () =>
    truthOf<{ runs: { server_id: string; request_id: string; port_id: string; image_downloaded: number }[] }>(
      'nova-net',
    ).runs;

  it('reads each port create: the server (device_id) it is for and the port id it got', async () => {
    const parsed = await parseHttp(capturePath('nova-net'), NOVA_PORTS, true);
    events = parsed.exchanges.map((ex) => novaHttpEvent(ex)).filter((e): e is NovaHttpEvent => e !== null);
    const posts = events.filter((e) => e.route === 'POST /v2.0/ports');
    expect(posts.length).toBe(20);
    expect(new Map(posts.map((e) => [e.ids.server, e.ids.port]))).toEqual(
      new Map(runs().map((r) => [r.server_id, r.port_id])),
    );
    for (const e of posts) expect(e.src.startsWith('10.98.0.2:'), 'made by nova-compute').toBe(true);
  });

  it('reads each binding update: the port in its path, the host it binds to', () => {
    const puts = events.filter((e) => e.route === 'PUT /v2.0/ports/{id}');
    expect(puts.length).toBe(20);
    expect(puts.map((e) => e.ids.port).sort()).toEqual(
      runs()
        .map((r) => r.port_id)
        .sort(),
    );
    for (const e of puts) expect(e.bindingHost).toBe('compute1');
  });

  it('reads the external events neutron-server posts: 4 per boot, network-vif-plugged tagged with the port', () => {
    const posts = events.filter((e) => e.route === 'POST /v2.1/os-server-external-events');
    expect(posts.length).toBe(80);
    const names = tally(posts.flatMap((e) => e.externalEvents!.map((x) => x.name)));
    expect(names).toEqual({
      'network-changed': 20,
      'network-vif-plugged': 20,
      'network-vif-unplugged': 20,
      'network-vif-deleted': 20,
    });
    const plugged = posts.flatMap((e) => e.externalEvents!.filter((x) => x.name === 'network-vif-plugged'));
    expect(new Map(plugged.map((x) => [x.server, x.tag]))).toEqual(
      new Map(runs().map((r) => [r.server_id, r.port_id])),
    );
  });

  it("gives each image download the boot's request id, in exactly the runs that downloaded", () => {
    const files = events.filter((e) => e.route === 'GET /v2/images/{id}/file');
    expect(files.map((e) => e.ids.request).sort()).toEqual(
      runs()
        .filter((r) => Number(r.image_downloaded) === 1)
        .map((r) => r.request_id)
        .sort(),
    );
    for (const e of files) expect(e.status).toBe(200);
  });
});

const nomadCases = ['nomad-2016-stock', 'nomad-2016-tuned', 'nomad-modern'];

for (const name of nomadCases) {
  describe(`HTTP on ${name}`, () => {
    it('counts requests by port and method exactly as tshark', async () => {
      const readme = readFileSync(sharedFile(name, 'README.md'), 'utf8');
      const { exchanges, counters } = await parseHttp(capturePath(name), new Set([4646, 8080]), false);
      expect(tally(exchanges.map((ex) => `${ex.conn.server.port} ${ex.request.method}`))).toEqual(
        readmeByPortMethod(readme),
      );
      expect(counters.parseErrors).toBeUndefined();
      expect(counters.requests).toBe(counters.responses);
    });
  });
}
