/**
 * `live` as a service, end to end, on one replay: nova-seq is replayed with tcpreplay at
 * 25x into a veth pair, and `vim-analyse live` on the other end (in its own namespace)
 * - serves /metrics, scraped every 1 s by Debian's real Prometheus started here on that
 *   namespace's loopback: PromQL through its HTTP API must give, per phase, the request
 *   count and summed duration of the offline analysis of the very packets live saw (its
 *   --write file) with the same logs;
 * - pushes spans over OTLP/HTTP to a receiver in the namespace, decoded here with the
 *   official opentelemetry-proto definitions: each request's spans once, in the order
 *   live handed the requests out;
 * - follows the compute host's log while the test writes its vimts markers into it as
 *   they fall due (times mapped onto the replay's clock) and rotates it half-way: every
 *   request streamed live has the marker sub-phases the offline analysis finds;
 * - ends on SIGTERM with exit 0, its final result written to the -o file, the endpoint closed.
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import type { AnalysisResult, ResultRequest } from '../../src/pipeline/types.js';
import { requestSpans } from '../../src/report/otlp/otlpTraces.js';
import { capturePath, isoToNs } from '../helpers/groundTruth.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { makeVethPair, type VethPair } from '../helpers/netns.js';
import { inNs, raisedInNs, replayCommand } from '../helpers/liveProcess.js';
import { cliPath as bin } from '../helpers/cliRuns.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const metricsPort = 9464,
  promPort = 9090,
  otlpPort = 4318,
  speedup = 25;
const markerPhases = ['build', 'spawn', 'spawn.create_image', 'spawn.generate_xml', 'spawn.libvirt_spawn'];

const require = createRequire(import.meta.url);
const protoDir = join(dirname(require.resolve('@opentelemetry/otlp-grpc-exporter-base/package.json')), 'build/protos');
function officialRequestType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) =>
    target.startsWith('opentelemetry/') ? join(protoDir, target) : protobuf.util.path.resolve(origin, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  return root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
}

/** An OTLP/HTTP receiver for the namespace: stores each body (base64, one a line) for the test to decode. */
const receiverScript = (port: number, file: string) => `
const fs = require('fs');
require('http').createServer((q, s) => {
  const c = [];
  q.on('data', (d) => c.push(d));
  q.on('end', () => {
    fs.appendFileSync(${JSON.stringify(file)}, q.url + ' ' + q.headers['content-type'] + ' ' + Buffer.concat(c).toString('base64') + '\\n');
    s.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
}).listen(${port}, '127.0.0.1', () => console.log('listening'));`;

interface PromVector {
  metric: Record<string, string>;
  value: [number, string];
}

describe('live as a service: Prometheus scrape, OTLP push, followed logs, SIGTERM (tcpreplay into a veth pair)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h24-service-'));
  let pair: VethPair;
  const children: ChildProcess[] = [];
  let liveOut = '',
    liveErr = '',
    promErr = '';
  let liveExit: number | null = null;
  let offline: AnalysisResult;
  let streamed: ResultRequest[] = [];
  /**
   * Requests handed out while Prometheus could scrape: all but a boot whose token
   * validation carried no request id (nova waits 60 s of capture time to join it by time,
   * see tokenSettleNs), handed out at the stop.
   */
  let beforeStop = new Set<string>();
  const written = join(dir, 'live.pcapng');
  const log = join(dir, 'nova-compute.log');
  const bodies = join(dir, 'otlp-bodies.txt');
  const finalFile = join(dir, 'final.json');

  /**
   * `STATUS\nBODY` of a GET from inside the namespace (where Prometheus and live listen on loopback), or
   * `000\nECONNREFUSED`; curl, not a node start (~0.4 CPU-s) a query.
   */
  const getInNs = (url: string): string => {
    const r = spawnSync(
      'ip',
      ['netns', 'exec', pair.nsB, 'curl', '-sS', '--max-time', '20', '-w', '\n%{http_code}', url],
      {
        encoding: 'utf8',
      },
    );
    // curl's exit 7: it could not connect.
    if (r.status === 7) return '000\nECONNREFUSED';
    const cut = r.stdout.lastIndexOf('\n');
    return `${r.stdout.slice(cut + 1)}\n${r.stdout.slice(0, cut)}`;
  };
  /** Evaluated at `at` (Unix s): once live stops, Prometheus marks its series stale. */
  let at: number | undefined;
  const query = (q: string): PromVector[] => {
    const text = getInNs(
      `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}${at ? `&time=${at}` : ''}`,
    );
    expect(text.slice(0, 3)).toBe('200');
    return (JSON.parse(text.slice(4)) as { data: { result: PromVector[] } }).data.result;
  };
  const byLabel = (v: PromVector[], label: string) =>
    Object.fromEntries(v.map((x) => [x.metric[label], Number(x.value[1])]));
  /** `raised`: at the live tests' raised priority (liveProcess.ts), for live itself. */
  const startInNs = (args: string[], ready: (err: string, out: string) => boolean, raised = false) => {
    const [command, ...prefix] = (raised ? raisedInNs : inNs)(pair.nsB);
    const child = spawn(command, [...prefix, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const io = { out: '', err: '' };
    child.stdout!.on('data', (c: Buffer) => (io.out += c));
    child.stderr!.on('data', (c: Buffer) => (io.err += c));
    return {
      child,
      io,
      ready: async () => {
        for (let i = 0; i < 150 && !ready(io.err, io.out); i++) await sleep(100);
        expect(ready(io.err, io.out), io.err).toBe(true);
      },
    };
  };

  beforeAll(async () => {
    if (!existsSync('/usr/bin/tcpreplay')) throw new Error('tcpreplay is not installed (.ci/run installs it)');
    if (!existsSync('/usr/bin/prometheus'))
      throw new Error('prometheus is not installed (.ci/run installs it: apt-get install prometheus)');
    const p = makeVethPair('s', 'h24-');
    if ('reason' in p) throw new Error(p.reason);
    pair = p;
    execFileSync('ip', ['-n', pair.nsB, 'link', 'set', 'lo', 'up']);
    const capture = capturePath('nova-seq');
    const replay = join(dir, 'replay.pcapng');
    execFileSync('sh', ['-c', `gunzip -c '${capture}' > '${replay}'`]);
    const firstNs = isoToNs((await analysedCapture('nova-seq')).captures[0].start!);
    const markers = readFileSync(join(dirname(capture), 'logs/nova-compute.log'), 'utf8')
      .split('\n')
      .map((l) => /vimts t=(\d+)\.(\d{9}) (.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ t: BigInt(m[1]) * 1_000_000_000n + BigInt(m[2]), rest: m[3] }))
      .sort((a, b) => (a.t < b.t ? -1 : 1));
    expect(markers.length).toBeGreaterThanOrEqual(300);

    const receiver = startInNs([process.execPath, '-e', receiverScript(otlpPort, bodies)], (_e, out) =>
      out.includes('listening'),
    );
    await receiver.ready();
    writeFileSync(log, 'an older line, before live started\n');
    const live = startInNs(
      [
        process.execPath,
        bin,
        'live',
        '-i',
        pair.ifB,
        // A 256 MiB ring (~4000 packets): a dropped packet can lose a boot.
        '-B',
        '262144',
        '--write',
        written,
        '--json',
        '--summary-every',
        '0',
        '--metrics',
        `127.0.0.1:${metricsPort}`,
        '--otlp-endpoint',
        `http://127.0.0.1:${otlpPort}`,
        '--logs',
        `compute1=${log}`,
        '-o',
        finalFile,
      ],
      (err) => err.includes('capturing on'),
      true,
    );
    live.child.on('close', (code) => (liveExit = code));
    // Prometheus starts while live does (its first scrapes may find no endpoint yet: a target down, no error).
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: vim-analyse\n    static_configs:\n      - targets: ['127.0.0.1:${metricsPort}']\n`,
    );
    const prom = startInNs(
      [
        '/usr/bin/prometheus',
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      (err) => err.includes('Server is ready to receive web requests'),
    );
    await Promise.all([live.ready(), prom.ready()]);
    const liveClosed = new Promise<void>((r) => (liveExit !== null ? r() : live.child.on('close', () => r())));
    expect(live.io.err).toContain(`serving metrics on 127.0.0.1:${metricsPort}/metrics`);

    // nova-seq (125 s, 30 boots) at 25x: 5 s of replay, on the capture's clock (see ReplayTimer); each marker is
    // written when it falls due on the replay's clock (the offset this leaves is the compute host's clock offset).
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const tcpreplay = spawn(...replayCommand(pair.nsA, pair.ifA, replay, ['-x', String(speedup)], 'clock'), {
      stdio: 'ignore',
    });
    const replayed = new Promise((r) => tcpreplay.on('close', r));
    for (const [i, m] of markers.entries()) {
      const due = t0 + (m.t - firstNs) / BigInt(speedup);
      const wait = Number(due - BigInt(Date.now()) * 1_000_000n) / 1e6;
      if (wait > 0) await sleep(wait);
      if (i === Math.floor(markers.length / 2)) {
        // logrotate's default: rename, then a new file.
        renameSync(log, `${log}.1`);
        writeFileSync(log, '');
      }
      appendFileSync(
        log,
        `vimts t=${due / 1_000_000_000n}.${String(due % 1_000_000_000n).padStart(9, '0')} ${m.rest}\n`,
      );
    }
    await replayed;
    // Every request streamed (after the 2 s log grace), then scraped ...
    await sleep(3000);
    const requestLines = () => live.io.out.split('\n').filter((l) => l.startsWith('{"type":"request"'));
    // ... and scraped after the last message was decoded: no change in the decoded counts over the last 3 scrapes.
    const settled = () => {
      const changes = query('sum(changes(vim_analyse_messages_decoded_total[3s]))');
      return changes.length > 0 && Number(changes[0].value[1]) === 0;
    };
    for (let i = 0; i < 60; i++) {
      await sleep(500);
      const got = query('sum(vim_analyse_requests_total)');
      if (requestLines().length >= 27 && got.length && Number(got[0].value[1]) === requestLines().length && settled())
        break;
    }
    at = Date.now() / 1000;
    beforeStop = new Set(requestLines().map((l) => (JSON.parse(l) as { request: ResultRequest }).request.id));
    live.child.kill('SIGTERM');
    await liveClosed;
    liveOut = live.io.out;
    liveErr = live.io.err;
    promErr = prom.io.err;
    streamed = liveOut
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; request: ResultRequest })
      .filter((l) => l.type === 'request')
      .map((l) => l.request);
    offline = await analyse(written, { logFiles: [`compute1=${log}.1`, `compute1=${log}`] });
  }, 180_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await sleep(300);
    pair?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Prometheus gives per phase the offline request counts and summed durations', () => {
    // nova-seq has 30 boots; on a loaded machine the kernel may drop a packet of one (then
    // live and the offline analysis of what it wrote both miss it).
    expect(offline.requests.filter((r) => r.complete).length).toBeGreaterThanOrEqual(28);
    expect(streamed.filter((r) => r.complete).length).toBe(offline.requests.filter((r) => r.complete).length);
    const complete = offline.requests.filter((r) => r.complete && beforeStop.has(r.id));
    expect(complete.length).toBeGreaterThanOrEqual(27);
    const count: Record<string, number> = {},
      sumSec: Record<string, number> = {};
    for (const r of complete)
      for (const [phase, p] of Object.entries(r.phases)) {
        count[phase] = (count[phase] ?? 0) + 1;
        sumSec[phase] = (sumSec[phase] ?? 0) + p.ms / 1000;
      }
    const promCount = byLabel(query('sum by (phase) (vim_analyse_phase_duration_seconds_count{vim="nova"})'), 'phase');
    const promSum = byLabel(query('sum by (phase) (vim_analyse_phase_duration_seconds_sum{vim="nova"})'), 'phase');
    expect(promCount).toEqual(count);
    for (const phase of markerPhases) expect(promCount[phase], phase).toBe(complete.length);
    expect(Object.keys(promSum).sort()).toEqual(Object.keys(sumSec).sort());
    for (const phase of Object.keys(sumSec))
      expect(Math.abs(promSum[phase] - sumSec[phase]), phase).toBeLessThan(1e-6 * Math.max(1, sumSec[phase]));
    const le = query('vim_analyse_phase_duration_seconds_bucket{phase="total"}').map((v) => v.metric.le);
    expect(le).toContain('0.001');
    expect(le).toContain('60');
  });

  it('Prometheus counts requests by compute host, packets captured, messages per protocol, open requests', () => {
    const complete = offline.requests.filter((r) => r.complete && beforeStop.has(r.id));
    const byHost: Record<string, number> = {};
    for (const r of complete) byHost[r.phases.compute.host] = (byHost[r.phases.compute.host] ?? 0) + 1;
    expect(
      byLabel(query('sum by (compute_host) (vim_analyse_requests_total{state="complete"})'), 'compute_host'),
    ).toEqual(byHost);
    expect(Number(query('vim_analyse_packets_captured_total')[0].value[1])).toBe(offline.captures[0].packets);
    const protocols = offline.counters.protocols as Record<string, Record<string, number>>;
    const messages = byLabel(query('vim_analyse_messages_decoded_total'), 'protocol');
    expect(messages.http).toBe(protocols.http.exchanges);
    expect(messages.amqp).toBe(protocols.amqp.messages);
    expect(Number(query('sum(vim_analyse_open_requests)')[0].value[1])).toBe(offline.requests.length - beforeStop.size);
    expect(query('vim_analyse_kernel_ring_drops_total').length).toBe(1);
    expect(Number(query('vim_analyse_otlp_spans_dropped_total')[0].value[1])).toBe(0);
    expect(query('vim_analyse_limit_hits_total').map((v) => v.metric.limit)).toContain('open-requests');
  });

  it("pushes each request's spans once over OTLP, in the order the requests were handed out", () => {
    const type = officialRequestType();
    const got: string[] = [];
    for (const line of readFileSync(bodies, 'utf8').trim().split('\n')) {
      const [url, contentType, b64] = line.split(' ');
      expect(url).toBe('/v1/traces');
      expect(contentType).toBe('application/x-protobuf');
      const msg = type.toObject(type.decode(Buffer.from(b64, 'base64')), { bytes: String }) as {
        resourceSpans: { scopeSpans: { spans: { traceId: string; spanId: string }[] }[] }[];
      };
      const hex = (b: string) => Buffer.from(b, 'base64').toString('hex');
      for (const rs of msg.resourceSpans)
        for (const ss of rs.scopeSpans) for (const s of ss.spans) got.push(`${hex(s.traceId)}/${hex(s.spanId)}`);
    }
    const want = streamed.flatMap((r) => requestSpans(r).map(({ span }) => `${span.traceId}/${span.spanId}`));
    expect(streamed.length).toBeGreaterThanOrEqual(28);
    expect([...got].sort()).toEqual([...want].sort());
    const traces = got.map((s) => s.split('/')[0]);
    expect(traces.filter((t, i) => i === 0 || traces[i - 1] !== t)).toEqual([
      ...new Set(want.map((s) => s.split('/')[0])),
    ]);
  });

  it('follows the log across its rotation: each streamed request has the offline marker sub-phases', () => {
    const off = new Map(offline.requests.map((r) => [r.id, r]));
    for (const r of streamed.filter((x) => x.complete)) {
      const o = off.get(r.id)!;
      for (const phase of markerPhases) {
        expect(r.phases[phase], `${r.id} ${phase}`).toBeDefined();
        expect(r.phases[phase].source).toBe('log');
        // Both edges are on the compute host's clock: the duration does not depend on its offset estimate.
        expect(Math.abs(r.phases[phase].ms - o.phases[phase].ms)).toBeLessThan(1e-6);
      }
    }
    const { result } = JSON.parse(readFileSync(finalFile, 'utf8')) as { result: AnalysisResult };
    expect(result.counters.live!.logs![0].rotations).toBe(1);
    expect(result.clocks.compute1).toBeDefined();
    expect(liveErr).toContain('rotated');
  });

  it('ends on SIGTERM with exit 0, the final result written where asked (-o), the endpoint closed', () => {
    expect(liveExit).toBe(0);
    const final = JSON.parse(readFileSync(finalFile, 'utf8')) as {
      type: string;
      result: { requests: ResultRequest[] };
    };
    expect(final.type).toBe('result');
    expect(final.result.requests.map((r) => r.id).sort()).toEqual(streamed.map((r) => r.id).sort());
    // The streamed lines are requests (and their updates) only: the result went to the file.
    expect(
      liveOut
        .trim()
        .split('\n')
        .every((l) => /^\{"type":"(request|update)"/.test(l)),
    ).toBe(true);
    expect(getInNs(`http://127.0.0.1:${metricsPort}/metrics`)).toMatch(/^000\nECONNREFUSED/);
    expect(promErr).not.toContain('level=error');
  });
});
