import { describe, expect, it } from 'vitest';
import { detectQueueing, diagnose, type DiagnosisContext, type DiagnosisInput } from '../../src/diagnosis/index.js';
import type { RequestTimeline } from '../../src/timeline/types.js';
import { input, MS, request, rng } from './fixtures.js';

const SEQUENCE = ['api', 'scheduling', 'compute', 'notification'];
const context = (inp: DiagnosisInput): DiagnosisContext => ({
  input: inp,
  time: String,
  unixNs: String,
  ref: () => {
    throw new Error('no messages');
  },
});

/**
 * Bursts of `size` overlapping boots. `compute` takes a lock: a boot's compute starts when
 * it is dispatched but only ends after every boot ahead of it has had its 500 ms turn.
 * The other phases are independent of load.
 */
function bursts(seed: number, sizes: number[]): RequestTimeline[] {
  const r = rng(seed);
  const out: RequestTimeline[] = [];
  let t = 1000 * MS;
  sizes.forEach((size, b) => {
    let lockFree = 0;
    // The client fires the burst's POSTs one after the other, ~150 ms apart.
    const boots = Array.from({ length: size }, (_, i) => ({ i, start: t + (i * 150 + r.uniform(0, 20)) * MS }));
    for (const { i, start } of boots) {
      const api = r.uniform(100, 140),
        sched = r.uniform(200, 260);
      const dispatched = start + (api + sched) * MS;
      const lockAt = Math.max(dispatched, lockFree);
      lockFree = lockAt + r.uniform(450, 550) * MS;
      out.push(
        request(
          `b${b}-${i}`,
          start,
          [
            ['api', api],
            ['scheduling', sched],
            ['compute', (lockFree - dispatched) / MS],
            ['notification', r.uniform(50, 150)],
          ],
          'nova',
        ),
      );
    }
    t += 20_000 * MS;
  });
  return out;
}

describe('queueing detector', () => {
  it('bursts of 1–4 boots behind a compute lock: queueing in compute, growing with the boots in flight', () => {
    const reqs = bursts(1, [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    const d = diagnose(input(reqs, [], SEQUENCE, 'nova')).filter((x) => x.kind === 'queueing');
    expect(d).toHaveLength(1);
    expect(d[0].phase).toBe('compute');
    const ev = d[0].evidence as {
      maxInFlight: number;
      phases: {
        phase: string;
        rho: number;
        adjustedP: number;
        significant: boolean;
        byInFlight: Record<string, { meanMs: number }>;
      }[];
    };
    expect(ev.maxInFlight).toBe(4);
    const compute = ev.phases.find((p) => p.phase === 'compute')!;
    expect(compute.rho).toBeGreaterThan(0.4);
    expect(compute.adjustedP).toBeLessThan(0.05);
    // The mean grows with the number in flight: 1 < 2 < 3 < 4.
    const means = [1, 2, 3, 4].map((k) => compute.byInFlight[k].meanMs);
    expect(means).toEqual([...means].sort((a, b) => a - b));
    expect(ev.phases.filter((p) => p.significant).map((p) => p.phase)).toEqual(['compute']);
  });

  it('sequential boots (one in flight at a time): no queueing', () => {
    const reqs = bursts(2, Array(30).fill(1));
    expect(diagnose(input(reqs, [], SEQUENCE, 'nova')).filter((x) => x.kind === 'queueing')).toEqual([]);
  });

  it('overlapping boots whose durations do not depend on load: a false alarm in at most ~10% of runs (ALPHA)', () => {
    for (const n of [12, 30]) {
      let alarms = 0;
      for (let seed = 1; seed <= 100; seed++) {
        const r = rng(seed);
        const reqs: RequestTimeline[] = [];
        for (let i = 0; i < n; i++) {
          reqs.push(
            request(
              `r${i}`,
              r.uniform(0, n * 300) * MS,
              SEQUENCE.map((p) => [p, r.uniform(100, 1000)] as [string, number]),
              'nova',
            ),
          );
        }
        if (detectQueueing(context(input(reqs, [], SEQUENCE, 'nova'))).length) alarms++;
      }
      expect(alarms, `n=${n}`).toBeLessThanOrEqual(12);
    }
  });
});
