/**
 * LiveMetrics on its own: requests of the offline analysis of a shared capture observed,
 * the session's cumulative counts fed twice (counters add the increase, never the total
 * again), the compute_host label capped, and the exposition text Prometheus reads.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LiveMetrics, maxComputeHosts, metricNames } from '../../src/live/liveMetrics.js';
import { parseListenAddress } from '../../src/live/metricsServer.js';
import type { LiveCountsSnapshot } from '../../src/live/types.js';
import type { NetCounters } from '../../src/net/types.js';
import type { AnalysisResult } from '../../src/result/types.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';

let nomad: AnalysisResult;
beforeAll(async () => {
  nomad = await analysedCapture('nomad-2016-stock');
}, 60_000);

/** The value of the series `name{labels…}` in exposition text, whatever order its labels are printed in. */
function value(text: string, series: string): number {
  const parse = (s: string) => {
    const m = /^([a-z_]+)(?:\{(.*)\})?$/.exec(s)!;
    return {
      name: m[1],
      labels: Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]])),
    };
  };
  const want = parse(series);
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const at = line.lastIndexOf(' ');
    const got = parse(line.slice(0, at));
    if (
      got.name === want.name &&
      Object.keys(got.labels).length === Object.keys(want.labels).length &&
      Object.entries(want.labels).every(([k, v]) => got.labels[k] === v)
    )
      return Number(line.slice(at + 1));
  }
  throw new Error(`no series ${series}`);
}

const snapshot = (packets: number, drops: number, exchanges: number, bufferLimitHits: number): LiveCountsSnapshot => ({
  live: { packets, bytes: 0, truncated: 0, ifaceDrops: 0, pcapReceived: packets + drops, pcapDrops: drops },
  protocols: { http: { exchanges, headerLimitHits: 1 } },
  net: { bufferLimitHits } as unknown as NetCounters,
  open: { nova: 0, nomad: 3 },
  givenUp: 0,
  otlpDropped: 7,
});

describe('LiveMetrics', () => {
  it('histograms each phase of each request by VIM, phase and compute host; counts by state', async () => {
    const m = new LiveMetrics({ interface: 'eth9' });
    for (const r of nomad.requests) m.observeRequest(r);
    const text = await m.registry.metrics();
    const withDriver = nomad.requests.filter((r) => r.phases.driver);
    const host = withDriver[0].phases.driver.host;
    const n = withDriver.filter((r) => r.phases.driver.host === host).length;
    expect(
      value(text, `${metricNames.phase}_count{vim="nomad",phase="driver",compute_host="${host}",interface="eth9"}`),
    ).toBe(n);
    const sum = withDriver
      .filter((r) => r.phases.driver.host === host)
      .reduce((s, r) => s + r.phases.driver.ms / 1000, 0);
    expect(
      value(text, `${metricNames.phase}_sum{vim="nomad",phase="driver",compute_host="${host}",interface="eth9"}`),
    ).toBeCloseTo(sum, 9);
    expect(
      value(
        text,
        `${metricNames.phase}_bucket{le="60",vim="nomad",phase="driver",compute_host="${host}",interface="eth9"}`,
      ),
    ).toBe(n);
    const complete = nomad.requests.filter((r) => r.complete && r.phases.driver?.host === host).length;
    expect(
      value(text, `${metricNames.requests}{vim="nomad",state="complete",compute_host="${host}",interface="eth9"}`),
    ).toBe(complete);
  });

  it('adds the increase of cumulative counts, so a second update does not count twice', async () => {
    const m = new LiveMetrics({ interface: 'eth9' });
    m.update(snapshot(100, 2, 10, 0));
    m.update(snapshot(250, 5, 30, 4));
    const text = await m.registry.metrics();
    expect(value(text, `${metricNames.packets}{interface="eth9"}`)).toBe(250);
    expect(value(text, `${metricNames.ringDrops}{interface="eth9"}`)).toBe(5);
    expect(value(text, `${metricNames.messages}{protocol="http",interface="eth9"}`)).toBe(30);
    expect(value(text, `${metricNames.messages}{protocol="amqp",interface="eth9"}`)).toBe(0);
    expect(value(text, `${metricNames.limitHits}{limit="net.bufferLimitHits",interface="eth9"}`)).toBe(4);
    expect(value(text, `${metricNames.limitHits}{limit="http.headerLimitHits",interface="eth9"}`)).toBe(1);
    expect(value(text, `${metricNames.open}{vim="nomad",interface="eth9"}`)).toBe(3);
    expect(value(text, `${metricNames.otlpDropped}{interface="eth9"}`)).toBe(7);
  });

  it(`caps compute_host at ${maxComputeHosts} values; the rest are "other"`, async () => {
    const m = new LiveMetrics({ interface: 'eth9' });
    const r = nomad.requests.find((x) => x.complete && x.phases.driver)!;
    for (let i = 0; i < maxComputeHosts + 10; i++)
      m.observeRequest({
        ...r,
        phases: { ...r.phases, driver: { ...r.phases.driver, host: `10.1.${i >> 8}.${i & 255}` } },
      });
    const text = await m.registry.metrics();
    const hosts = new Set([...text.matchAll(/compute_host="([^"]+)"/g)].map((x) => x[1]));
    expect(hosts.size).toBe(maxComputeHosts + 1);
    expect(
      value(text, `${metricNames.requests}{vim="nomad",state="complete",compute_host="other",interface="eth9"}`),
    ).toBe(10);
  });
});

describe('parseListenAddress', () => {
  it('takes ADDR:PORT, [v6]:PORT and :PORT; refuses the rest', () => {
    expect(parseListenAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseListenAddress(':9464')).toEqual({ host: undefined, port: 9464 });
    for (const bad of ['9464', 'host', '1.2.3.4:70000', '::1:9464', ''])
      expect(() => parseListenAddress(bad)).toThrow(/ADDR:PORT/);
  });
});
