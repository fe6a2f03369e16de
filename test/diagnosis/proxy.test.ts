/** A proxy's own time per backend: stated when it matters, with its evidence; silent otherwise. */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnosis/index.js';
import type { VimMessage } from '../../src/dissectors/types.js';
import { SessionClock } from '../../src/capture/sessionClock.js';
import { input, message, MS, rng } from './fixtures.js';
import { checkOutput } from '../helpers/shippedSchemas.js';

/** Calls through one proxy: the backend takes `backendMs`, the proxy adds about `addedMs`. */
function calls(n: number, backendMs: number, addedMs: number, seed: number): VimMessage[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const proxyMs = Math.max(0.01, r.normal(addedMs, addedMs / 5));
    const m = message(
      i * 100 * MS,
      'GET /v2.1/servers/{id}',
      `10.98.0.3:4000${i % 10}`,
      '10.98.0.10:8774',
      backendMs + proxyMs,
    );
    return { ...m, vim: 'nova', type: 'http', via: { proxy: '10.98.0.10:8774', backend: '10.98.0.1:8774', proxyMs } };
  });
}

describe('proxy delay', () => {
  it('a proxy adding ~3 ms to 10 ms calls: one statement for that backend, with the slowest calls', () => {
    const d = diagnose(input([], calls(24, 10, 3, 1), ['api'])).filter((x) => x.kind === 'proxy');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({
      host: '10.98.0.10:8774',
      evidence: { backend: '10.98.0.1:8774', calls: 24, confidence: 'high' },
    });
    const e = d[0].evidence as { medianMs: number; medianShare: number; slowest: { proxyMs: number }[] };
    expect(e.medianMs).toBeGreaterThan(2.5);
    expect(e.medianMs).toBeLessThan(3.5);
    expect(e.medianShare).toBeGreaterThan(0.15);
    expect(e.slowest).toHaveLength(3);
    expect(e.slowest[0].proxyMs).toBeGreaterThanOrEqual(e.slowest[2].proxyMs);
    expect(d[0].text).toMatch(
      /^the proxy on 10\.98\.0\.10:8774 adds a median 2\.\d\d ms|^the proxy on 10\.98\.0\.10:8774 adds a median 3\.\d\d ms/,
    );
  });

  it('its statement, with times on a capture clock, validates against the shipped result schema and keeps its naming rule', () => {
    const clock = new SessionClock();
    clock.relative(1_764_000_000, 123_456_789);
    const d = diagnose({
      ...input([], calls(24, 10, 3, 1), ['api']),
      formatTime: (ns) => clock.iso(ns),
      formatUnixNs: (ns) => clock.unixNsText(ns),
    }).filter((x) => x.kind === 'proxy');
    expect(d).toHaveLength(1);
    checkOutput(
      'https://github.com/vim-analyse/vim-analyse/schemas/v2/result.schema.json#/$defs/diagnosis',
      JSON.parse(JSON.stringify(d[0])),
      'proxy statement',
    );
  });

  it('a proxy adding 0.2 ms to 50 ms calls says nothing; too few calls say nothing', () => {
    expect(diagnose(input([], calls(24, 50, 0.2, 2), ['api'])).filter((x) => x.kind === 'proxy')).toEqual([]);
    expect(diagnose(input([], calls(2, 10, 3, 3), ['api'])).filter((x) => x.kind === 'proxy')).toEqual([]);
  });
});
