/**
 * compare on the Nomad stock and tuned captures. What the data show (ground truth in
 * their READMEs): the tuned client reports at once (notification ~1 ms vs ~100 ms) and
 * reads artifacts from local disk (driver ~40 ms shorter), while the emulated scheduler
 * is the same in both (true_sched_ms means 43.4 vs 45.2 ms, sd ~14).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compareCaptures, type ComparisonResult } from '../../src/pipeline/compare.js';
import { capturePath, sharedFile } from '../helpers/groundTruth.js';

describe('compare stock vs tuned Nomad', () => {
  let c: ComparisonResult;
  beforeAll(async () => {
    c = await compareCaptures(capturePath('nomad-2016-stock'), capturePath('nomad-2016-tuned'));
  });
  const row = (phase: string) => c.comparisons.nomad.find((r) => r.phase === phase)!;

  it('finds the notification difference significant: about −97 ms', () => {
    expect(row('notification').significant).toBe(true);
    expect(row('notification').diffMs!).toBeLessThan(-80);
    expect(row('notification').diffMs!).toBeGreaterThan(-115);
  });
  it('finds the driver difference significant: about −41 ms', () => {
    expect(row('driver').significant).toBe(true);
    expect(row('driver').ci95Ms![1]).toBeLessThan(0);
  });
  it('finds no significant scheduling difference (its CI spans zero)', () => {
    const s = row('scheduling');
    expect(s.significant).toBe(false);
    expect(s.ci95Ms![0]).toBeLessThan(0);
    expect(s.ci95Ms![1]).toBeGreaterThan(0);
  });
});

describe('compare with each configuration its own logs', () => {
  it('merges each side its own client log: the artifact download is ~40 ms shorter from local disk', async () => {
    const log = (name: string) => sharedFile(name, 'logs', 'nomad-client.log');
    const c = await compareCaptures(capturePath('nomad-2016-stock'), capturePath('nomad-2016-tuned'), {
      sides: [{ logFiles: [log('nomad-2016-stock')] }, { logFiles: [log('nomad-2016-tuned')] }],
    });
    const dl = c.comparisons.nomad.find((r) => r.phase === 'driver.download_artifact')!;
    expect(dl.a?.n).toBe(40);
    expect(dl.b?.n).toBe(40);
    expect(dl.significant).toBe(true);
    expect(dl.diffMs!).toBeLessThan(-30);
    // Each log went to its own side only: no side warns of a log of another run.
    for (const r of c.results) expect(r.warnings.filter((w) => /another run/.test(w))).toEqual([]);
    // Without logs there is no such row.
    const bare = await compareCaptures(capturePath('nomad-2016-stock'), capturePath('nomad-2016-tuned'));
    expect(bare.comparisons.nomad.find((r) => r.phase === 'driver.download_artifact')).toBeUndefined();
  });
});
