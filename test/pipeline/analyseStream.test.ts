/**
 * The streaming API yields each request while the capture is still being read; with its
 * updates and its final result it is exactly analyse(), on every shared capture, with and
 * without the compute-host logs.
 */
import { describe, expect, it } from 'vitest';
import { analyseStream, type AnalyseStreamEvent } from '../../src/pipeline/analyseStream.js';
import { streamEventLine } from '../../src/report/streamEvents.js';
import type { ResultRequest } from '../../src/pipeline/types.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { capturePath } from '../helpers/groundTruth.js';
import { sharedCaptureList } from '../helpers/sharedCaptureList.js';
import { checkOutput } from '../helpers/shippedSchemas.js';

/** A request without the phases its first hand-out called provisional. */
function settledPart(r: ResultRequest, provisional: string[]): ResultRequest {
  const c = structuredClone(r);
  for (const p of provisional) {
    delete c.phases[p];
    delete c.absent[p];
  }
  return c;
}

describe('analyseStream', () => {
  for (const cap of sharedCaptureList()) {
    for (const withLogs of [false, true]) {
      it(`${cap.name}${withLogs ? ' with its logs' : ''}: requests, updates and result add up to analyse()`, async () => {
        const logFiles = withLogs ? cap.logs : [];
        // analyse()'s result is the run's shared one (the schemas test reads the same).
        const whole = await analysedCapture(cap.name, logFiles);
        const events: AnalyseStreamEvent[] = [];
        for await (const e of analyseStream(cap.file, { logFiles })) events.push(e);
        // Each event as written (streamEventLine, live --json's lines): the shipped schema and its naming rule.
        events.forEach((e, i) =>
          checkOutput('stream-event.schema.json', JSON.parse(streamEventLine(e)), `event ${i} (${e.type})`),
        );
        // One request event per request, the updates after them, the result last.
        const kinds = events.map((e) => e.type);
        expect(kinds.at(-1)).toBe('result');
        expect(kinds.filter((k) => k === 'result')).toHaveLength(1);
        expect(kinds.lastIndexOf('request')).toBeLessThan(
          kinds.indexOf('update') < 0 ? Infinity : kinds.indexOf('update'),
        );
        const final = events.at(-1) as Extract<AnalyseStreamEvent, { type: 'result' }>;
        expect(final.result).toEqual(whole);
        const view = new Map<string, ResultRequest>();
        const first = new Map<string, Extract<AnalyseStreamEvent, { type: 'request' }>>();
        for (const e of events) {
          if (e.type === 'request') {
            expect(first.has(e.request.id)).toBe(false);
            first.set(e.request.id, e);
            view.set(e.request.id, e.request);
          } else if (e.type === 'update') {
            expect(first.has(e.request.id)).toBe(true);
            view.set(e.request.id, e.request);
          }
        }
        expect(view.size).toBe(whole.requests.length);
        for (const r of whole.requests) {
          expect(view.get(r.id)).toEqual(r);
          // What was handed out early is final but for the phases it named provisional.
          const e = first.get(r.id)!;
          expect(settledPart(e.request, e.provisional)).toEqual(settledPart(r, e.provisional));
          for (const p of e.provisional)
            if (e.request.phases[p]) expect(e.request.phases[p].source).not.toBe('capture');
        }
        // Logs apply while streaming: a request handed out early already has the log sub-phases it ends with.
        if (withLogs) {
          const logPhased = whole.requests.filter((r) => Object.values(r.phases).some((p) => p.source === 'log'));
          for (const r of logPhased)
            expect(Object.values(first.get(r.id)!.request.phases).some((p) => p.source === 'log')).toBe(true);
        }
        // Times print with the capture's precision (µs captures: 6 digits).
        const digits = /\.(\d+)Z$/.exec(whole.captures[0].start ?? '')?.[1].length;
        for (const e of first.values())
          for (const p of Object.values(e.request.phases)) expect(/\.(\d+)Z$/.exec(p.start)?.[1].length).toBe(digits);
      }, 120_000);
    }
  }

  it('nomad-2016-stock (µs timestamps): early requests print 6 fractional digits and carry the final capture-clock phases', async () => {
    const file = capturePath('nomad-2016-stock');
    const whole = new Map((await analysedCapture('nomad-2016-stock')).requests.map((r) => [r.id, r]));
    let n = 0;
    for await (const e of analyseStream(file)) {
      if (e.type !== 'request') continue;
      n++;
      expect(e.request.phases.api.start).toMatch(/\.\d{6}Z$/);
      expect(e.request.phases.scheduling).toEqual(whole.get(e.request.id)!.phases.scheduling);
      expect(e.provisional).toContain('driver');
    }
    expect(n).toBe(40);
  });

  it('hands out the first complete request long before the end when the capture is read in small pieces', async () => {
    const file = capturePath('nomad-2016-stock');
    const { Readable } = await import('node:stream');
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(file);
    let fed = 0;
    // A stream of 64 KiB pieces that pauses between pieces, like a slow disk or a pipe.
    const source = Readable.from(
      (async function* () {
        for (let o = 0; o < bytes.length; o += 65536) {
          fed = Math.min(bytes.length, o + 65536);
          yield bytes.subarray(o, fed);
          await new Promise((r) => setImmediate(r));
        }
      })(),
    );
    let firstAt = -1;
    let n = 0;
    let file0 = '';
    for await (const e of analyseStream({ name: 'stock.pcap', data: source })) {
      if (e.type === 'result') file0 = e.result.captures[0].file;
      if (e.type !== 'request') continue;
      if (e.request.complete && firstAt < 0) firstAt = fed;
      n++;
    }
    expect(n).toBe(40);
    expect(file0).toBe('stock.pcap');
    expect(firstAt).toBeGreaterThan(0);
    expect(firstAt).toBeLessThan(bytes.length / 2);
  });

  it('stops reading when its signal is aborted', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const e of analyseStream(capturePath('nomad-2016-stock'), { signal: ac.signal })) {
        seen.push(e.type);
        if (e.type === 'request') ac.abort();
      }
    })();
    await expect(run).rejects.toThrow(/abort/i);
    expect(seen).not.toContain('result');
  });
});
