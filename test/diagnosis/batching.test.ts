import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import type { VimMessage } from '../../src/dissectors/types.js';
import { input, message, MS, request, rng } from './fixtures.js';

const SERVER = '10.0.0.1:4647';
const clients = ['10.0.0.2:1000', '10.0.0.3:1000', '10.0.0.4:1000'];

/**
 * `Store.Write` requests from three clients at random times (Poisson, mean gap `gapMs`).
 * The server answers with `reply(arrivals)` → release time per request.
 */
function writes(seed: number, n: number, gapMs: number, release: (arrivals: number[]) => number[]): VimMessage[] {
  const r = rng(seed);
  const arrivals: number[] = [];
  let t = 1000 * MS;
  for (let i = 0; i < n; i++) arrivals.push((t += -Math.log(1 - r.uniform()) * gapMs * MS));
  const rel = release(arrivals);
  return arrivals.map((a, i) => message(a, 'Store.Write', clients[i % 3], SERVER, (rel[i] - a) / MS));
}

/** A batch opens at the first request and closes `windowMs` later; all in it are answered then. */
const batchWindow = (windowMs: number) => (arrivals: number[]) => {
  const out: number[] = [];
  let close = -Infinity;
  for (const a of arrivals) {
    if (a > close) close = a + windowMs * MS;
    out.push(close + 0.05 * MS);
  }
  return out;
};

const noRequests = [request('r', 0, [['a', 1]])];

describe('batching detector', () => {
  it('a 50 ms batch window holding several writes: window 50 ms, high confidence', () => {
    const msgs = writes(1, 200, 40, batchWindow(50));
    const d = diagnose(input(noRequests, msgs, ['a'])).filter((x) => x.kind === 'batching');
    expect(d).toHaveLength(1);
    expect(d[0].host).toBe('10.0.0.1');
    expect(d[0].windowMs!).toBeGreaterThan(49.5);
    expect(d[0].windowMs!).toBeLessThan(50.5);
    const ev = d[0].evidence as { confidence: string; multiRequestReleases: number; releases: number; replies: number };
    expect(ev.confidence).toBe('high');
    expect(ev.multiRequestReleases).toBeGreaterThanOrEqual(3);
    expect(ev.releases).toBeLessThan(ev.replies);
  });

  it('one write per window, but each release also answers blocking queries that waited different times', () => {
    const r = rng(2);
    const msgs = writes(3, 60, 400, batchWindow(50));
    for (const w of [...msgs]) {
      // A long poll that began some time earlier returns at the write's release.
      const release = w.t + w.ms! * MS;
      const began = release - r.uniform(60, 900) * MS;
      msgs.push(message(began, 'Store.Watch', clients[1], SERVER, (release + 0.1 * MS - began) / MS));
    }
    const d = diagnose(input(noRequests, msgs, ['a'])).filter((x) => x.kind === 'batching');
    expect(d.map((x) => [x.evidence && (x.evidence as { message: string }).message, Math.round(x.windowMs!)])).toEqual([
      ['Store.Write', 50],
    ]);
    expect((d[0].evidence as { coReleasedFraction: number }).coReleasedFraction).toBe(1);
  });

  it('a slow server (latency varies with the work): no batching', () => {
    const r = rng(4);
    const msgs = writes(5, 200, 40, (a) => a.map((t) => t + Math.exp(r.normal(Math.log(50), 0.3)) * MS));
    expect(diagnose(input(noRequests, msgs, ['a'])).filter((x) => x.kind === 'batching')).toEqual([]);
  });

  it('a fixed 40 ms delay per request, released with nothing else: not called batching', () => {
    const r = rng(6);
    const msgs = writes(7, 100, 500, (a) => a.map((t) => t + (40 + r.uniform(0, 0.2)) * MS));
    expect(diagnose(input(noRequests, msgs, ['a'])).filter((x) => x.kind === 'batching')).toEqual([]);
  });

  it('fast replies released together with blocking queries (no window): no batching', () => {
    const r = rng(8);
    const msgs = writes(9, 60, 400, (a) => a.map((t) => t + 0.4 * MS));
    for (const w of [...msgs]) {
      const release = w.t + w.ms! * MS;
      const began = release - r.uniform(60, 900) * MS;
      msgs.push(message(began, 'Store.Watch', clients[1], SERVER, (release + 0.1 * MS - began) / MS));
    }
    expect(diagnose(input(noRequests, msgs, ['a'])).filter((x) => x.kind === 'batching')).toEqual([]);
  });

  it('names the phase that ends at the held request', () => {
    const many = writes(11, 200, 40, batchWindow(50));
    const reqs = many.slice(0, 20).map((m, i) =>
      request(`q${i}`, m.t - 30 * MS, [
        ['a', 10],
        ['report', 20],
      ]),
    );
    const d2 = diagnose(input(reqs, many, ['a', 'report'])).filter((x) => x.kind === 'batching');
    expect(d2.map((x) => x.phase)).toEqual(['report']);
    expect(d2[0].text).toMatch(/report ends when the request arrives/);
  });
});
