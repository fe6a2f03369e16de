/**
 * Chrome trace-event export, checked against the trace-event format's rules: every event
 * has name, ph, ts, pid, tid; complete events have dur >= 0; metadata names every process
 * and thread used; events on one thread nest or are disjoint (what viewers need to stack
 * them); one X event per phase of every complete request, at that phase's time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult, MessageLine } from '../../src/pipeline/types.js';
import { chromeTrace, type TraceEvent } from '../../src/report/chromeTrace.js';
import { analysedCapture, capturedMessages } from '../helpers/analysedCaptures.js';
import { isoToNs, secretsOf } from '../helpers/groundTruth.js';

const captures = ['nova-seq', 'nomad-2016-tuned'];
const results: Record<string, AnalysisResult> = {};
let novaMessages: MessageLine[];

beforeAll(async () => {
  for (const c of captures) results[c] = await analysedCapture(c);
  novaMessages = await capturedMessages('nova-seq');
});

function checkFormat(events: TraceEvent[]): void {
  for (const e of events) {
    expect(typeof e.name).toBe('string');
    expect(['X', 'M', 'i']).toContain(e.ph);
    expect(Number.isFinite(e.ts)).toBe(true);
    expect(Number.isInteger(e.pid)).toBe(true);
    expect(Number.isInteger(e.tid)).toBe(true);
    if (e.ph === 'X') {
      expect(Number.isFinite(e.dur)).toBe(true);
      expect(e.dur!).toBeGreaterThanOrEqual(0);
    }
    if (e.ph === 'M')
      expect(['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index']).toContain(e.name);
  }
  const processes = new Set(events.filter((e) => e.name === 'process_name').map((e) => e.pid));
  const threads = new Set(events.filter((e) => e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
  const lanes = new Map<string, TraceEvent[]>();
  for (const e of events.filter((x) => x.ph === 'X')) {
    expect(processes.has(e.pid)).toBe(true);
    expect(threads.has(`${e.pid}/${e.tid}`)).toBe(true);
    const k = `${e.pid}/${e.tid}`;
    lanes.set(k, [...(lanes.get(k) ?? []), e]);
  }
  for (const lane of lanes.values())
    for (const a of lane)
      for (const b of lane) {
        if (a === b) continue;
        const [a0, a1, b0, b1] = [a.ts, a.ts + a.dur!, b.ts, b.ts + b.dur!];
        // Within a thousandth of a ns: the sums of decimal µs are not exact in binary.
        const eps = 1e-6;
        const disjoint = a1 <= b0 + eps || b1 <= a0 + eps;
        const nested = (a0 + eps >= b0 && a1 <= b1 + eps) || (b0 + eps >= a0 && b1 <= a1 + eps);
        expect(disjoint || nested, `${a.name} and ${b.name} overlap partly on one thread`).toBe(true);
      }
}

describe('chromeTrace', () => {
  for (const c of captures) {
    it(`${c}: valid trace-event JSON, one X event per phase of every complete request, at the phase's time`, () => {
      const result = results[c];
      const trace = chromeTrace(result);
      const parsed = JSON.parse(JSON.stringify(trace)) as typeof trace;
      expect(parsed).toEqual(trace);
      expect(Array.isArray(parsed.traceEvents)).toBe(true);
      checkFormat(parsed.traceEvents);
      const origin = BigInt(parsed.otherData.origin);

      const complete = result.requests.filter((r) => r.complete);
      expect(complete.length).toBeGreaterThan(0);
      for (const r of complete) {
        const proc = parsed.traceEvents.find(
          (e) => e.name === 'process_name' && (e.args!.name as string).includes(r.id),
        )!;
        expect(proc).toBeDefined();
        const mine = parsed.traceEvents.filter((e) => e.ph === 'X' && e.pid === proc.pid);
        expect(mine.map((e) => e.name).sort()).toEqual(Object.keys(r.phases).sort());
        for (const e of mine) {
          const p = r.phases[e.name];
          expect(e.ts).toBeCloseTo(Number(isoToNs(p.start) - origin) / 1000, 3);
          expect(e.dur!).toBeCloseTo(Number(isoToNs(p.end) - isoToNs(p.start)) / 1000, 3);
          // ms can be finer than the printed times (client-clock phases): within their last digit.
          expect(Math.abs(e.dur! - p.ms * 1000)).toBeLessThanOrEqual(1);
          expect(e.args!.host).toBe(p.host);
          // The thread the event sits on is named after the phase's host.
          const thread = parsed.traceEvents.find(
            (t) => t.name === 'thread_name' && t.pid === e.pid && t.tid === e.tid,
          )!;
          expect((thread.args!.name as string).startsWith(p.host)).toBe(true);
        }
      }
    });
  }

  it("adds each request's messages on message lanes when given, still valid", () => {
    const trace = chromeTrace(results['nova-seq'], { messages: novaMessages });
    checkFormat(trace.traceEvents);
    const msgs = trace.traceEvents.filter((e) => e.ph === 'X' && e.cat!.startsWith('message'));
    expect(msgs.length).toBeGreaterThan(results['nova-seq'].requests.length);
    expect(msgs.some((e) => e.name === 'select_destinations')).toBe(true);
    const text = JSON.stringify(trace);
    for (const s of secretsOf('nova-seq')) expect(text).not.toContain(s);
  });

  it('is the same for the same input (reproducible output)', () => {
    expect(JSON.stringify(chromeTrace(results['nova-seq']))).toBe(
      JSON.stringify(chromeTrace(structuredClone(results['nova-seq']))),
    );
  });
});
