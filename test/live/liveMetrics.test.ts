/**
 * `live --metrics` scraped by Debian's real Prometheus: nova-seq is replayed with tcpreplay
 * into a veth pair, `vim-analyse live` captures the other end and serves /metrics, and a
 * Prometheus started here (same network namespace, loopback, 1 s scrape interval) scrapes
 * it. PromQL through Prometheus's HTTP API must give, per phase, the request count and the
 * summed duration of the offline analysis of the very packets live saw (its --write file).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import type { AnalysisResult } from '../../src/pipeline/types.js';
import { capturePath } from '../helpers/groundTruth.js';
import { makeVethPair, type VethPair } from '../helpers/netns.js';

const bin = resolve(__dirname, '../../dist/bin/vim-analyse.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const metricsPort = 9464, promPort = 9090;

interface PromVector { metric: Record<string, string>; value: [number, string] }

describe('live --metrics scraped by Prometheus (tcpreplay into a veth pair)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h24-metrics-'));
  let pair: VethPair;
  let live: ChildProcess, prom: ChildProcess;
  let liveOut = '', liveErr = '', promErr = '';
  let liveExit: number | null = null;
  let offline: AnalysisResult;
  const written = join(dir, 'live.pcapng');

  /** An HTTP GET from inside the namespace (Prometheus and the endpoint listen on its loopback). */
  const getInNs = (url: string): string =>
    execFileSync('ip', ['netns', 'exec', pair.nsB, process.execPath, '-e', 'fetch(process.argv[1]).then(async (r) => process.stdout.write(r.status + "\\n" + (await r.text()))).catch((e) => process.stdout.write("000\\n" + e.cause?.code))', url], { encoding: 'utf8' });
  /** Evaluated at `at` (Unix s): once live stops, Prometheus marks its series stale. */
  let at: number | undefined;
  const query = (q: string): PromVector[] => {
    const [status, body] = [getInNs(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}${at ? `&time=${at}` : ''}`)].map((t) => [t.slice(0, 3), t.slice(4)])[0];
    expect(status).toBe('200');
    return (JSON.parse(body) as { data: { result: PromVector[] } }).data.result;
  };
  const byLabel = (v: PromVector[], label: string) => Object.fromEntries(v.map((x) => [x.metric[label], Number(x.value[1])]));

  beforeAll(async () => {
    if (!existsSync('/usr/bin/tcpreplay')) throw new Error('tcpreplay is not installed (.ci/run installs it)');
    if (!existsSync('/usr/bin/prometheus')) throw new Error('prometheus is not installed (.ci/run installs it: apt-get install prometheus)');
    const p = makeVethPair('m', 'h24-');
    if ('reason' in p) throw new Error(p.reason);
    pair = p;
    execFileSync('ip', ['-n', pair.nsB, 'link', 'set', 'lo', 'up']);
    let replay = capturePath('nova-seq');
    if (replay.endsWith('.gz')) {
      execFileSync('sh', ['-c', `gunzip -c '${replay}' > '${join(dir, 'replay.pcapng')}'`]);
      replay = join(dir, 'replay.pcapng');
    }

    live = spawn('ip', ['netns', 'exec', pair.nsB, process.execPath, bin, 'live', '-i', pair.ifB, '--write', written, '--json', '--summary-every', '0', '--metrics', `127.0.0.1:${metricsPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    live.stdout!.on('data', (c: Buffer) => (liveOut += c));
    live.stderr!.on('data', (c: Buffer) => (liveErr += c));
    const liveClosed = new Promise<void>((r) => live.on('close', (code) => ((liveExit = code), r())));
    for (let i = 0; i < 100 && !liveErr.includes('capturing on'); i++) await sleep(100);
    expect(liveErr).toContain(`serving metrics on 127.0.0.1:${metricsPort}/metrics`);

    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: vim-analyse\n    static_configs:\n      - targets: ['127.0.0.1:${metricsPort}']\n        labels: { core_host: test }\n`);
    prom = spawn('ip', ['netns', 'exec', pair.nsB, '/usr/bin/prometheus', `--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    prom.stderr!.on('data', (c: Buffer) => (promErr += c));
    for (let i = 0; i < 100 && !promErr.includes('Server is ready to receive web requests'); i++) await sleep(100);
    expect(promErr).toContain('Server is ready to receive web requests');

    // nova-seq (125 s, 30 boots) at 25x: 5 s of replay.
    execFileSync('ip', ['netns', 'exec', pair.nsA, 'tcpreplay', '-q', '-x', '25', '-i', pair.ifA, replay], { stdio: 'pipe' });
    // Every request streamed, then scraped: wait until Prometheus has as many as live printed.
    const streamed = () => liveOut.split('\n').filter((l) => l.startsWith('{"type":"request"')).length;
    for (let i = 0; i < 60; i++) {
      await sleep(500);
      const got = query('sum(vim_analyse_requests_total)');
      if (streamed() >= 30 && got.length && Number(got[0].value[1]) === streamed()) break;
    }
    at = Date.now() / 1000;
    live.kill('SIGTERM');
    await liveClosed;
    offline = await analyse(written);
  }, 120_000);

  afterAll(async () => {
    live?.kill('SIGKILL');
    if (prom) {
      prom.kill('SIGTERM');
      await new Promise((r) => (prom.exitCode !== null ? r(null) : prom.on('close', r)));
    }
    pair?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives per phase the offline request counts and summed durations', () => {
    const complete = offline.requests.filter((r) => r.complete);
    expect(complete.length).toBeGreaterThanOrEqual(30);
    const count: Record<string, number> = {}, sumSec: Record<string, number> = {};
    for (const r of complete) for (const [phase, p] of Object.entries(r.phases)) {
      count[phase] = (count[phase] ?? 0) + 1;
      sumSec[phase] = (sumSec[phase] ?? 0) + p.ms / 1000;
    }
    const promCount = byLabel(query('sum by (phase) (vim_analyse_phase_duration_seconds_count{vim="nova"})'), 'phase');
    const promSum = byLabel(query('sum by (phase) (vim_analyse_phase_duration_seconds_sum{vim="nova"})'), 'phase');
    expect(promCount).toEqual(count);
    expect(Object.keys(promSum).sort()).toEqual(Object.keys(sumSec).sort());
    for (const phase of Object.keys(sumSec)) expect(Math.abs(promSum[phase] - sumSec[phase])).toBeLessThan(1e-6 * Math.max(1, sumSec[phase]));
    // Buckets span 1 ms to 60 s; the 60 s bucket holds every observation.
    const le = query('vim_analyse_phase_duration_seconds_bucket{phase="total"}').map((v) => v.metric.le);
    expect(le).toContain('0.001');
    expect(le).toContain('60');
  });

  it('counts requests complete by compute host, packets captured, messages per protocol, open requests', () => {
    const complete = offline.requests.filter((r) => r.complete);
    const byHost: Record<string, number> = {};
    for (const r of complete) byHost[r.phases.compute.host] = (byHost[r.phases.compute.host] ?? 0) + 1;
    expect(byLabel(query('sum by (compute_host) (vim_analyse_requests_total{state="complete"})'), 'compute_host')).toEqual(byHost);
    // Scraped before the stop: every packet of the replay had been counted by then.
    expect(Number(query('vim_analyse_packets_captured_total')[0].value[1])).toBe(offline.captures[0].packets);
    const protocols = offline.counters.protocols as Record<string, Record<string, number>>;
    const messages = byLabel(query('vim_analyse_messages_decoded_total'), 'protocol');
    expect(messages.http).toBe(protocols.http.exchanges);
    expect(messages.amqp).toBe(protocols.amqp.messages);
    expect(Number(query('sum(vim_analyse_open_requests)')[0].value[1])).toBe(offline.requests.length - complete.length);
    expect(query('vim_analyse_kernel_ring_drops_total').length).toBe(1);
    expect(query('vim_analyse_limit_hits_total').map((v) => v.metric.limit)).toContain('open-requests');
  });

  it('ends on SIGTERM with exit 0, the final result written, the endpoint closed', () => {
    expect(liveExit).toBe(0);
    const last = JSON.parse(liveOut.trim().split('\n').at(-1)!) as { type: string };
    expect(last.type).toBe('result');
    expect(getInNs(`http://127.0.0.1:${metricsPort}/metrics`)).toMatch(/^000\nECONNREFUSED/);
  });
});
