import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import { MAX_OUTLIERS } from '../../src/diagnosis/outliers.js';
import { quantile } from '../../src/diagnosis/statistics.js';
import { input, message, MS, request, rng } from './fixtures.js';

describe('outliers', () => {
  const r = rng(3);
  // 40 requests; a lookup to a service inside `api` takes ~10 ms, except for request 17 (3 s).
  const reqs = Array.from({ length: 40 }, (_, i) =>
    request(
      `r${i}`,
      (i + 1) * 10_000 * MS,
      [
        ['api', r.uniform(100, 150)],
        ['build', r.uniform(700, 900)],
      ],
      'nova',
    ),
  );
  const slow = reqs[17];
  slow.phases = request(
    'r17',
    slow.startNs,
    [
      ['api', 3100],
      ['build', 800],
    ],
    'nova',
  ).phases;
  const msgs = reqs.map((q) => {
    const ms = q === slow ? 3000 : r.uniform(8, 12);
    return message(q.startNs + 20 * MS, 'GET /v2/images/{id}', '10.0.0.1:3333', '10.0.0.5:9292', ms, { server: q.id });
  });
  for (const m of msgs) m.vim = 'nova';
  const inp = {
    ...input(reqs, msgs, ['api', 'build'], 'nova'),
    wireEvents: [
      { t: slow.startNs + 500 * MS, kind: 'retransmission' },
      { t: slow.startNs + 900 * MS, kind: 'retransmission' },
    ],
  };
  const d = diagnose(inp).filter((x) => x.kind === 'outlier');

  it('lists requests above the 95th percentile of total, slowest first', () => {
    const totals = reqs.map((q) => q.phases.total.ms).sort((a, b) => a - b);
    const above = reqs.filter(
      (q) =>
        q.phases.total.ms >
        totals[Math.floor(0.95 * 39)] +
          (totals[Math.ceil(0.95 * 39)] - totals[Math.floor(0.95 * 39)]) * ((0.95 * 39) % 1),
    );
    expect(d.map((x) => (x.evidence as { request: string }).request)).toEqual(
      above.sort((a, b) => b.phases.total.ms - a.phases.total.ms).map((q) => q.id),
    );
    expect((d[0].evidence as { request: string }).request).toBe('r17');
  });

  it('names the phase responsible and the long exchange, by message id, and the retransmissions', () => {
    const o = d[0];
    expect(o.phase).toBe('api');
    const ev = o.evidence as {
      longExchanges: { msg: number; ms: number; ofRequest: boolean }[];
      wireEvents: Record<string, number>;
    };
    const idx = [...inp.messages].findIndex((m) => m.ids.server === 'r17');
    expect(ev.longExchanges[0]).toMatchObject({ msg: idx, ms: 3000, ofRequest: true });
    expect(ev.wireEvents).toEqual({ retransmission: 2 });
    expect(o.text).toMatch(/GET \/v2\/images\/\{id\} to 10\.0\.0\.5:9292 took 3000\.0 ms \(usually 1\d\.\d ms\)/);
    expect(o.text).toMatch(/2 retransmissions/);
  });

  it('says nothing about fewer than 10 requests', () => {
    expect(diagnose(input(reqs.slice(0, 9), [], ['api', 'build'], 'nova')).filter((x) => x.kind === 'outlier')).toEqual(
      [],
    );
  });

  it(`at most ${MAX_OUTLIERS} statements per VIM, the slowest, each saying how many were above p95`, () => {
    const q = rng(9);
    const many = Array.from({ length: 600 }, (_, i) =>
      request(
        `m${i}`,
        (i + 1) * 10_000 * MS,
        [
          ['api', q.uniform(100, 150)],
          ['build', q.uniform(700, 900)],
        ],
        'nova',
      ),
    );
    const out = diagnose(input(many, [], ['api', 'build'], 'nova')).filter((x) => x.kind === 'outlier');
    const above = many
      .filter(
        (m) =>
          m.phases.total.ms >
          quantile(
            many.map((x) => x.phases.total.ms),
            0.95,
          ),
      )
      .sort((a, b) => b.phases.total.ms - a.phases.total.ms);
    expect(above.length).toBeGreaterThan(MAX_OUTLIERS);
    expect(out.map((x) => (x.evidence as { request: string }).request)).toEqual(
      above.slice(0, MAX_OUTLIERS).map((m) => m.id),
    );
    for (const x of out) expect((x.evidence as { requestsAboveP95: number }).requestsAboveP95).toBe(above.length);
  });
});
