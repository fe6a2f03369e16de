/**
 * The streaming API yields each request while the capture is still being read, and in the
 * end the same set of requests as analyse().
 */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import { analyseStream } from '../../src/pipeline/analyseStream.js';
import { capturePath } from '../helpers/groundTruth.js';

describe('analyseStream', () => {
  for (const name of ['nova-seq', 'nomad-2016-tuned']) {
    it(`${name}: yields every request of analyse(), the complete ones before the capture ends`, async () => {
      const file = capturePath(name);
      const whole = await analyse(file);
      // When was each request's last milestone? Stream arrival must not wait for the end of the file.
      let progress = 0;
      const arrivals: { id: string; progress: number; complete: boolean }[] = [];
      const iter = analyseStream(file, { onProgress: (n) => (progress = n) });
      for await (const r of iter) arrivals.push({ id: r.id, progress, complete: r.complete });
      expect(new Set(arrivals.map((a) => a.id))).toEqual(new Set(whole.requests.map((r) => r.id)));
      expect(arrivals.length).toBe(whole.requests.length);
      // Complete requests come out as they complete, the incomplete ones only at the end.
      const firstIncomplete = arrivals.findIndex((a) => !a.complete);
      if (firstIncomplete >= 0) expect(arrivals.slice(firstIncomplete).every((a) => !a.complete)).toBe(true);
      // Each streamed request equals the final one for capture-clock phases.
      const final = new Map(whole.requests.map((r) => [r.id, r]));
      expect(arrivals.filter((a) => a.complete).every((a) => final.get(a.id)!.complete)).toBe(true);
    });
  }

  it('hands out the first complete request long before the end when the capture is read in small pieces', async () => {
    const file = capturePath('nomad-2016-stock');
    const { Readable } = await import('node:stream');
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(file);
    let fed = 0;
    // A stream of 64 KiB pieces that pauses between pieces, like a slow disk or a pipe.
    const source = Readable.from((async function* () {
      for (let o = 0; o < bytes.length; o += 65536) {
        fed = Math.min(bytes.length, o + 65536);
        yield bytes.subarray(o, fed);
        await new Promise((r) => setImmediate(r));
      }
    })());
    let firstAt = -1;
    let n = 0;
    for await (const r of analyseStream(source)) {
      if (r.complete && firstAt < 0) firstAt = fed;
      n++;
    }
    expect(n).toBe(40);
    expect(firstAt).toBeGreaterThan(0);
    expect(firstAt).toBeLessThan(bytes.length / 2);
  });
});
