import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import { addSubPhase, input, request, rng } from './fixtures.js';

describe('dominant phase', () => {
  const r = rng(1);
  const reqs = Array.from({ length: 30 }, (_, i) =>
    request(
      `r${i}`,
      i * 10_000_000_000,
      [
        ['api', r.uniform(10, 20)],
        ['spawn', r.uniform(300, 500)],
        ['notification', r.uniform(50, 150)],
      ],
      'nova',
    ),
  );
  for (const q of reqs) {
    const img = q.phases.spawn.ms * 0.7;
    addSubPhase(q, 'spawn.create_image', 'spawn', 1, img);
    addSubPhase(q, 'spawn.boot', 'spawn', 2 + img, q.phases.spawn.ms * 0.2);
  }
  const d = diagnose(input(reqs, [], ['api', 'spawn', 'notification'], 'nova')).filter((x) => x.kind === 'dominant');
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

  it('names the phase with the largest share, its CI containing the share, and the what-if', () => {
    const top = d.find((x) => x.phase === 'spawn')!;
    const ev = top.evidence as {
      share: number;
      shareCi95: [number, number];
      whatIfMeanOfWholeMs: number;
      runnerUp: { phase: string };
    };
    const spawn = reqs.map((q) => q.phases.spawn.ms),
      total = reqs.map((q) => q.phases.total.ms);
    expect(ev.share).toBeCloseTo(mean(spawn) / mean(total), 9);
    expect(ev.shareCi95[0]).toBeLessThan(ev.share);
    expect(ev.shareCi95[1]).toBeGreaterThan(ev.share);
    expect(ev.shareCi95[1] - ev.shareCi95[0]).toBeLessThan(0.1);
    expect(ev.whatIfMeanOfWholeMs).toBeCloseTo(mean(total) - mean(spawn) + Math.min(...spawn), 6);
    expect(ev.runnerUp.phase).toBe('notification');
    expect(top.text).toMatch(/^spawn dominates: .* of total \(95% CI \d+%–\d+%, n=30\)/);
  });

  it('inside spawn, image creation dominates (~70%)', () => {
    const sub = d.find((x) => x.phase === 'spawn.create_image')!;
    expect((sub.evidence as { share: number; of: string }).of).toBe('spawn');
    expect((sub.evidence as { share: number }).share).toBeCloseTo(0.7, 2);
    expect(sub.text).toMatch(/^spawn\.create_image dominates spawn/);
  });

  it('uses given parents when names do not nest', () => {
    const q = reqs.map((x) => {
      const { 'spawn.create_image': image, ...rest } = x.phases;
      return { ...x, phases: { ...rest, image } };
    });
    const inp = { ...input(q, [], ['api', 'spawn', 'notification'], 'nova'), parents: { nova: { image: 'spawn' } } };
    const subs = diagnose(inp).filter((x) => x.kind === 'dominant' && (x.evidence as { of: string }).of === 'spawn');
    expect(subs.map((x) => x.phase).sort()).toEqual(['image']);
  });
});
