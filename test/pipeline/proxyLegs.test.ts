/**
 * Calls through Debian's haproxy (TLS frontend on a VIP, plain backend), captured here:
 * each call is one message on the caller's leg with a `via` hop once the TLS is opened;
 * `--legs` lists both legs, matching tshark's HTTP counts per leg; without the key log
 * the backend legs are listed but measure nothing, and the TLS connection is named.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addresses, captureThroughHaproxy, port, type ProxiedCapture } from '../helpers/haproxyCapture.js';
import { Netns } from '../helpers/tlsCapture.js';
import { tshark, tsharkHeuristicsFirst, tsharkTlsArgs } from '../helpers/tshark.js';
import { cliPath as bin } from '../helpers/cliRuns.js';

const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
const messages = (...args: string[]) => {
  const r = run('messages', '--json', ...args);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim() === ''
    ? []
    : r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
};
const vip = `${addresses.vip}:${port}`,
  backend = `${addresses.backend}:${port}`;
const requests = 12;

describe('calls through haproxy (TLS on the VIP, plain backend; real haproxy, tcpdump)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h25-lb-'));
  const ns = new Netns('lb');
  let cap: ProxiedCapture;
  afterAll(() => {
    ns.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    cap = await captureThroughHaproxy(ns, dir, 'TLSv1.3', requests);
  }, 60_000);

  it("with the key log: each call once, on the caller's leg, via the backend, with the proxy's added time", () => {
    const m = messages(cap.pcap, '--tls-keylog', cap.keylog);
    expect(m).toHaveLength(requests);
    for (const x of m) {
      expect(x.src.startsWith(`${addresses.client}:`)).toBe(true);
      expect(x.dst).toBe(vip);
      expect(x.leg).toBeUndefined();
      expect(x.via).toMatchObject({ proxy: vip, backend });
      expect(x.via.proxyMs).toBeGreaterThan(0);
      expect(x.via.proxyMs).toBeLessThan(x.ms);
    }
    expect(m.map((x) => x.name).slice(0, 3)).toEqual([
      'POST /v2.1/servers',
      'GET /v2.1/servers/{id}',
      'GET /v2.1/flavors',
    ]);
  });

  it("--legs lists both legs; the counts per leg match tshark's HTTP requests per destination", () => {
    const m = messages(cap.pcap, '--tls-keylog', cap.keylog, '--legs');
    const tsharkDestinations = execFileSync(
      tshark,
      [
        '-r',
        cap.pcap,
        ...tsharkTlsArgs(cap.keylog, port),
        // The backend leg is plain HTTP on the same port: found by its content, whatever haproxy's source port.
        ...tsharkHeuristicsFirst,
        ...['-Y', 'http.request', '-T', 'fields', '-e', 'ip.dst'],
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n');
    const per = (xs: string[]) =>
      Object.fromEntries([...new Set(xs)].map((d) => [d, xs.filter((x) => x === d).length]));
    expect(per(m.map((x) => x.dst.split(':')[0]))).toEqual(per(tsharkDestinations));
    expect(per(tsharkDestinations)).toEqual({ [addresses.vip]: requests, [addresses.backend]: requests });
    const legs = m.filter((x) => x.leg === 'backend');
    expect(legs).toHaveLength(requests);
    for (const l of legs) expect(l.src.startsWith(`${addresses.proxySource}:`)).toBe(true);
  });

  it('the main job counts each call once', () => {
    const r = run(cap.pcap, '-f', 'json', '-q', '--tls-keylog', cap.keylog);
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.counters.messages.novaHttp).toBe(requests);
    expect(res.counters.proxy).toMatchObject({ paired: requests, backendAlone: 0 });
  });

  it('without the key log: the backend legs are listed as such, measure nothing, and the TLS connection is named', () => {
    const m = messages(cap.pcap);
    expect(m).toHaveLength(requests);
    for (const x of m) expect(x).toMatchObject({ leg: 'backend', dst: backend });
    const res = JSON.parse(run(cap.pcap, '-f', 'json', '-q').stdout);
    expect(res.counters.proxy.backendLegsOfEncryptedCalls).toBe(requests);
    expect(res.requests).toEqual([]);
    expect(res.tls.connections).toEqual([
      expect.objectContaining({
        server: vip,
        serverName: 'nova.example',
        version: 'TLS 1.3',
        decrypted: false,
        reason: 'no key log given',
      }),
    ]);
  });
});
