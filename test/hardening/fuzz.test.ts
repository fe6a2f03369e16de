/**
 * The quick fuzz run (`npm run fuzz` is the full one, 1000 variants): 90 damaged variants of
 * the shared captures, fixed seed, in this process, each made from a window of up to 800
 * packets (every connection then starts mid-stream). With this seed the first 54 variants
 * already meet every mutation family and every capture (asserted below), so 90 leave room
 * for a family or two more; a new one the run misses fails the coverage test, which names it
 * (then raise `variants` or pick another seed). No variant may crash, hang, leak a secret or
 * return a non-finite number.
 */
import { describe, expect, it } from 'vitest';
import { byteMutations, recordMutations } from '../../fuzz/mutations.js';
import { controlCharsInIds, hostileRecordMutations } from '../../fuzz/hostileMutations.js';
import { formatSummary, runFuzz, sharedCaptureSet, type FuzzSummary } from '../../fuzz/runFuzz.js';
import { sharedCaptureRoot } from '../helpers/groundTruth.js';

/** Variants of the quick run, and its seed. */
const variants = 90;
const seed = 749;

describe(`quick fuzz: ${variants} variants, seed ${seed}`, () => {
  let summary: FuzzSummary;

  it('runs every variant without a crash, hang, leak or bad number', async () => {
    summary = await runFuzz({
      captures: sharedCaptureSet(sharedCaptureRoot()),
      variants,
      seed,
      timeLimitMs: 10_000,
      rssLimitBytes: 400 * 2 ** 20, // this process also holds vitest and the five captures
      workers: 0,
      wholeFraction: 0,
      maxWindow: 800,
    });
    expect(summary.variants).toBe(variants);
    expect(summary.findings, formatSummary(summary)).toEqual([]);
  }, 120_000);

  it('covered every mutation kind and every capture', () => {
    const kinds = new Set(Object.keys(summary.byKind).map((k) => k.replace(/@.*/, '')));
    for (const m of [...recordMutations, ...byteMutations, ...hostileRecordMutations, controlCharsInIds])
      expect(kinds, m.kind).toContain(m.kind);
    expect(Object.keys(summary.byCapture).sort()).toEqual([
      'nomad-2016-stock',
      'nomad-2016-tuned',
      'nomad-modern',
      'nova-burst',
      'nova-seq',
    ]);
  });

  it('analysed most variants (damage is data, not a reason to give up)', () => {
    const ok = Object.values(summary.byKind).reduce((n, k) => n + k.ok, 0);
    expect(ok / summary.variants).toBeGreaterThan(0.8);
  });
});
