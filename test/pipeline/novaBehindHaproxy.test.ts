/**
 * A real Nova boot behind HAProxy with TLS on the public endpoint: nova-seq's second boot,
 * its client ↔ nova-api exchanges replayed through Debian's haproxy (TLS 1.3 on a VIP, plain
 * backend on nova-api's address) and spliced into the original capture (see
 * helpers/novaBehindHaproxy.ts). With the key log the boot is complete and its phases
 * equal, within 0.5 ms, those measured on the plain proxy → backend leg alone; without it,
 * api and notification are absent with the TLS reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyse, listMessages } from '../../src/pipeline/analyse.js';
import type { AnalysisResult, MessageLine, ResultRequest } from '../../src/result/types.js';
import { capturePath, runsOf } from '../helpers/groundTruth.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { backendPostStart, lb, recordedExchanges, replayThroughHaproxy, splice } from '../helpers/novaBehindHaproxy.js';
import { Netns } from '../helpers/tlsCapture.js';
import { checkOutput } from '../helpers/shippedSchemas.js';

const run = runsOf('nova-seq')[1];
const sequence = ['api', 'scheduling', 'dispatch', 'compute', 'notification', 'total'];

/** ISO 8601 with 9 digits → Unix ns. */
const isoNs = (s: string): bigint =>
  BigInt(Date.parse(`${s.slice(0, 19)}Z`)) * 1_000_000n + BigInt(s.slice(20, 29).padEnd(9, '0'));
/** First and last byte of a message, Unix ns. */
const span = (m: MessageLine): [bigint, bigint] => [isoNs(m.t), isoNs(m.t) + BigInt(Math.round(m.ms! * 1e6))];

describe('a Nova boot behind HAProxy with TLS on the public endpoint (nova-seq run 2 replayed through real haproxy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h25-nova-lb-'));
  const ns = new Netns('nlb');
  let withKeys: AnalysisResult,
    plainLeg: AnalysisResult,
    withoutKeys: AnalysisResult,
    keylog: string,
    legs: MessageLine[];
  const boot = (r: AnalysisResult): ResultRequest => r.requests.find((x) => x.id === run.server_id)!;
  afterAll(() => {
    ns.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    const original = capturePath('nova-seq');
    const rec = await recordedExchanges(original, BigInt(run.t_post_ns), BigInt(run.t_active_ns));
    expect(rec.exchanges.length).toBe(1 + Number(run.polls));
    const replay = await replayThroughHaproxy(ns, dir, rec.exchanges);
    keylog = replay.keylog;
    const shift = rec.postUnixNs - (await backendPostStart(replay.pcap));
    await splice(original, replay.pcap, shift, false, join(dir, 'tls.pcap'));
    await splice(original, replay.pcap, shift, true, join(dir, 'plain-leg.pcap'));
    withKeys = await analyse(join(dir, 'tls.pcap'), { tlsKeyLogFile: keylog });
    plainLeg = await analyse(join(dir, 'plain-leg.pcap'));
    withoutKeys = await analyse(join(dir, 'tls.pcap'));
    legs = await listMessages(join(dir, 'tls.pcap'), { tlsKeyLogFile: keylog, legs: true });
  }, 240_000);

  it("with the key log: complete, measured on the caller's leg; it differs from the plain leg by haproxy's own time, within 0.5 ms elsewhere", () => {
    const a = boot(withKeys),
      b = boot(plainLeg);
    expect(a.complete).toBe(true);
    expect(b.complete).toBe(true);
    const diffs = Object.fromEntries(sequence.map((p) => [p, a.phases[p].ms - b.phases[p].ms]));
    // What haproxy itself took, from the capture: the caller's POST reached it before it
    // forwarded the POST; the backend's ACTIVE answer reached it before it answered the caller.
    const post = legs.filter((m) => m.name === 'POST /v2.1/servers' && m.ids.server === run.server_id);
    const polls = legs.filter((m) => m.name === 'GET /v2.1/servers/{id}' && m.ids.server === run.server_id);
    const [caller, backend] = [post.find((m) => !m.leg)!, post.find((m) => m.leg === 'backend')!];
    const [lastCaller, lastBackend] = [
      polls.filter((m) => !m.leg).at(-1)!,
      polls.filter((m) => m.leg === 'backend').at(-1)!,
    ];
    const forwardMs = Number(span(backend)[0] - span(caller)[0]) / 1e6;
    const answerMs = Number(span(lastCaller)[1] - span(lastBackend)[1]) / 1e6;
    console.log(
      `caller's TLS leg − plain backend leg (ms): ${JSON.stringify(diffs)}; haproxy forwarding the POST ${forwardMs} ms, answering the last poll ${answerMs} ms`,
    );
    expect(forwardMs).toBeGreaterThan(0);
    expect(answerMs).toBeGreaterThan(0);
    expect(Math.abs(diffs.api - forwardMs)).toBeLessThan(0.001);
    expect(Math.abs(diffs.notification - answerMs)).toBeLessThan(0.001);
    expect(Math.abs(diffs.total - forwardMs - answerMs)).toBeLessThan(0.001);
    for (const p of ['scheduling', 'dispatch', 'compute']) expect(Math.abs(diffs[p]), p).toBeLessThanOrEqual(0.5);
    expect(caller.via).toMatchObject({ proxy: `${lb.vip}:${lb.port}`, backend: `${lb.api}:${lb.port}` });
    expect(withKeys.tls!.connections).toEqual([
      expect.objectContaining({ server: `${lb.vip}:${lb.port}`, decrypted: true }),
    ]);
    expect(withKeys.counters.proxy.paired).toBe(1 + Number(run.polls));
  });

  it("the plain leg alone measures what the original capture did, within the replay's timer jitter", async () => {
    const orig = boot(await analysedCapture('nova-seq'));
    for (const p of ['scheduling', 'dispatch', 'compute']) expect(boot(plainLeg).phases[p].ms).toBe(orig.phases[p].ms);
    expect(Math.abs(boot(plainLeg).phases.api.ms - orig.phases.api.ms)).toBeLessThan(0.001);
    // The polls are replayed by timers: on a loaded machine they drift by milliseconds, but
    // never by a poll period (~120 ms here), so the same poll answers ACTIVE.
    const drift = boot(plainLeg).phases.notification.ms - orig.phases.notification.ms;
    console.log(`notification on the replayed plain leg − original: ${drift} ms`);
    expect(Math.abs(drift)).toBeLessThan(60);
  });

  it('without the key log: api and notification absent, with the TLS reason; the rest still measured', () => {
    const r = boot(withoutKeys);
    expect(r.complete).toBe(false);
    expect(r.absent.api).toBe(`POST /v2.1/servers is inside TLS on ${lb.vip}:${lb.port}; pass --tls-keylog`);
    expect(r.absent.notification).toBe(
      `GET /v2.1/servers/{id} answering ACTIVE is inside TLS on ${lb.vip}:${lb.port}; pass --tls-keylog`,
    );
    for (const p of ['scheduling', 'dispatch', 'compute']) expect(r.phases[p].ms).toBe(boot(withKeys).phases[p].ms);
    expect(withoutKeys.counters.proxy.backendLegsOfEncryptedCalls).toBe(1 + Number(run.polls));
  });

  it('its results (TLS connections, proxy legs) validate against the shipped schema and keep its naming rule', () => {
    const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
    for (const [what, r] of [
      ['with keys', withKeys],
      ['plain leg', plainLeg],
      ['without keys', withoutKeys],
    ] as const)
      checkOutput('result.schema.json', json(r), what);
    for (const r of [withKeys, withoutKeys])
      expect(r.tls?.connections.some((c) => c.firstApplicationUnixNs !== null)).toBe(true);
    legs.forEach((m, i) => checkOutput('message.schema.json', json(m), `leg message ${i}`));
  });
});
