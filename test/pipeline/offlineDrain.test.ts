/**
 * Offline analysis does not hold every oslo.messaging sighting to the end: once settled
 * (60 s of capture time after its last sighting) a message leaves the correlator, so the
 * memory it takes follows the traffic rate, not the capture's length.
 */
import { describe, expect, it } from 'vitest';
import { AnalysisSession } from '../../src/pipeline/analysisSession.js';
import { capturePath } from '../helpers/groundTruth.js';

interface OsloInside {
  sightings: Map<string, unknown>;
  touched: Map<string, number>;
  counters: Record<string, number>;
}

describe('offline oslo draining', () => {
  it('after reading nova-seq (125 s), only the last minute of sightings is held', async () => {
    const session = new AnalysisSession();
    await session.addCapture(capturePath('nova-seq'));
    const oslo = (session as unknown as { oslo: OsloInside }).oslo;
    const published = Object.entries(oslo.counters)
      .filter(([k]) => k.endsWith('.published'))
      .reduce((a, [, v]) => a + v, 0);
    const touched = [...oslo.touched.values()];
    const last = Math.max(...touched);
    expect(published).toBeGreaterThan(2000);
    expect(oslo.sightings.size).toBeLessThan(published * 0.6);
    // Every sighting still held was touched within the settle window (plus one drain interval, 10 s) of the end.
    expect(Math.min(...touched)).toBeGreaterThan(last - 60e9 - 11e9);
    const out = session.finish();
    expect(out.requests.filter((r) => r.complete)).toHaveLength(30);
  });
});
