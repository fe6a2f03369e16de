/**
 * OTLP push against a receiver made here: a real HTTP server that decodes each body with
 * the official opentelemetry-proto definitions (as the OTLP export test does). Requests
 * are those of the offline analysis of two shared captures, pushed in order. Every
 * request's spans must arrive once, in push (completion) order; with the receiver down
 * and then up, nothing the queue could hold is lost; past the queue's bound, what is
 * dropped is counted and is exactly what did not fit.
 */
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OtlpPush } from '../../src/live/otlpPush.js';
import type { ResultRequest } from '../../src/pipeline/types.js';
import { requestSpans } from '../../src/report/otlp/otlpTraces.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';

const require = createRequire(import.meta.url);
const protoDir = join(dirname(require.resolve('@opentelemetry/otlp-grpc-exporter-base/package.json')), 'build/protos');
function officialRequestType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) =>
    target.startsWith('opentelemetry/') ? join(protoDir, target) : protobuf.util.path.resolve(origin, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  return root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
}
const ExportRequest = officialRequestType();

interface Decoded {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { traceId: string; spanId: string; name: string }[] }[];
  }[];
}

/** Spans as the receiver decoded them, in arrival order: "traceId/spanId". */
class Receiver {
  readonly spans: string[] = [];
  bodies = 0;
  /** Error statuses to answer first (then 200 and keep the spans). */
  statuses: number[] = [];
  private server: Server | null = null;
  port = 0;
  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        expect(req.url).toBe('/v1/traces');
        expect(req.headers['content-type']).toBe('application/x-protobuf');
        const msg = ExportRequest.toObject(ExportRequest.decode(Buffer.concat(chunks)), {
          bytes: String,
          longs: String,
        }) as Decoded;
        // bytes: String gives base64: back to the hex the exporter's ids are written in.
        const hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');
        const status = this.statuses.shift();
        if (status !== undefined) {
          res.writeHead(status).end();
          return;
        }
        for (const rs of msg.resourceSpans) {
          expect(rs.resource.attributes.find((a) => a.key === 'host.name')?.value.stringValue).toBeTruthy();
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans) this.spans.push(`${hex(s.traceId)}/${hex(s.spanId)}`);
        }
        this.bodies++;
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
}

const expected = (rs: ResultRequest[]) =>
  rs.flatMap((r) => requestSpans(r).map(({ span }) => `${span.traceId}/${span.spanId}`));

/** Each span once, each request's spans together (grouped by host inside), requests in push order. */
function expectDelivered(got: string[], rs: ResultRequest[]): void {
  expect([...got].sort()).toEqual(expected(rs).sort());
  const traces = got.map((s) => s.split('/')[0]);
  const runs = traces.filter((t, i) => i === 0 || traces[i - 1] !== t);
  expect(runs).toEqual([...new Set(expected(rs).map((s) => s.split('/')[0]))]);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  for (const t0 = Date.now(); !cond() && Date.now() - t0 < ms;) await sleep(50);
}

const requests: ResultRequest[] = [];
beforeAll(async () => {
  // Completion order interleaves VIMs in a real fleet: alternate the two captures' requests.
  const [nova, nomad] = [
    (await analysedCapture('nova-seq')).requests,
    (await analysedCapture('nomad-2016-stock')).requests,
  ];
  for (let i = 0; i < Math.max(nova.length, nomad.length); i++) requests.push(...[nova[i], nomad[i]].filter(Boolean));
  expect(requests.length).toBeGreaterThan(60);
}, 60_000);

describe('OtlpPush', () => {
  const receiver = new Receiver();
  let push: OtlpPush | null = null;
  afterEach(async () => {
    // A failed test's push must not deliver into the next test's receiver.
    await push?.close(0);
    push = null;
    await receiver.down();
    receiver.spans.length = receiver.bodies = 0;
    receiver.port = 0;
    receiver.statuses = [];
  });

  it("delivers every request's spans once, in completion order, batched", async () => {
    await receiver.up();
    push = new OtlpPush({ url: `http://127.0.0.1:${receiver.port}/v1/traces`, flushMs: 50, maxBatchSpans: 200 });
    for (const r of requests) push.push(r);
    await until(() => push!.stats.queued === 0 && push!.stats.sent > 0);
    const stats = await push.close();
    const want = expected(requests);
    expectDelivered(receiver.spans, requests);
    expect(stats).toMatchObject({ sent: want.length, dropped: 0, queued: 0 });
    // Batched: far fewer bodies than requests, none over the bound by more than one request.
    expect(receiver.bodies).toBeLessThan(requests.length / 2);
  });

  it('loses nothing the queue could hold while the receiver is down, then up', async () => {
    await receiver.up();
    const port = receiver.port;
    await receiver.down();
    const notices: string[] = [];
    push = new OtlpPush({
      url: `http://127.0.0.1:${port}/v1/traces`,
      flushMs: 20,
      backoffMs: 100,
      maxBackoffMs: 400,
      onNotice: (t) => notices.push(t),
    });
    const t0 = Date.now();
    for (const r of requests) push.push(r);
    // push() only queues: the capture never waits on the network.
    expect(Date.now() - t0).toBeLessThan(500);
    await sleep(1500);
    expect(push.stats.retries).toBeGreaterThanOrEqual(2);
    expect(push.stats.sent).toBe(0);
    expect(notices[0]).toMatch(/failing \(ECONNREFUSED\)/);
    await receiver.up();
    await until(() => push!.stats.queued === 0);
    const stats = await push.close();
    expectDelivered(receiver.spans, requests);
    expect(stats.dropped).toBe(0);
    expect(notices.at(-1)).toMatch(/accepting again/);
  });

  it('drops and counts what does not fit in the queue while down; the rest arrives', async () => {
    await receiver.up();
    const port = receiver.port;
    await receiver.down();
    const maxQueueSpans = 150;
    push = new OtlpPush({
      url: `http://127.0.0.1:${port}/v1/traces`,
      flushMs: 20,
      backoffMs: 100,
      maxBackoffMs: 200,
      maxQueueSpans,
    });
    const fitted: ResultRequest[] = [];
    let held = 0;
    for (const r of requests) {
      const n = requestSpans(r).length;
      if (held + n <= maxQueueSpans) {
        fitted.push(r);
        held += n;
      }
      push.push(r);
    }
    await sleep(500);
    await receiver.up();
    await until(() => push!.stats.queued === 0);
    const stats = await push.close();
    expectDelivered(receiver.spans, fitted);
    expect(stats.dropped).toBe(expected(requests).length - expected(fitted).length);
    expect(stats.dropped).toBeGreaterThan(0);
  });

  it('retries a batch answered 503 and 429 (OTLP/HTTP retryable), drops and counts one answered 400', async () => {
    receiver.statuses = [503, 429];
    await receiver.up();
    const notices: string[] = [];
    push = new OtlpPush({
      url: `http://127.0.0.1:${receiver.port}/v1/traces`,
      flushMs: 10,
      backoffMs: 50,
      onNotice: (t) => notices.push(t),
    });
    const some = requests.slice(0, 6);
    for (const r of some) push.push(r);
    await until(() => push!.stats.queued === 0);
    expect(push.stats.retries).toBe(2);
    expectDelivered(receiver.spans, some);
    expect(notices[0]).toMatch(/failing \(HTTP 503\)/);
    receiver.statuses = [400];
    const next = requests.slice(6, 7);
    push.push(next[0]);
    await until(() => push!.stats.queued === 0);
    const stats = await push.close();
    expect(stats.dropped).toBe(expected(next).length);
    expect(notices.at(-1)).toMatch(/rejected a batch of \d+ spans \(HTTP 400\): dropped/);
  });

  it('gives up at close after its grace time, counting the unsent spans as dropped', async () => {
    await receiver.up();
    const port = receiver.port;
    await receiver.down();
    push = new OtlpPush({ url: `http://127.0.0.1:${port}/v1/traces`, flushMs: 10, backoffMs: 50 });
    for (const r of requests.slice(0, 5)) push.push(r);
    const t0 = Date.now();
    const stats = await push.close(600);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(stats).toMatchObject({ sent: 0, queued: 0, dropped: expected(requests.slice(0, 5)).length });
  });
});
