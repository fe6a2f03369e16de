/** The JSON result written in pieces is byte for byte what JSON.stringify(result, null, 2) makes. */
import { describe, expect, it } from 'vitest';
import { analyseStreamed } from '../../src/pipeline/analyse.js';
import { resultJsonChunks } from '../../src/report/resultJson.js';
import type { AnalysisResult } from '../../src/pipeline/types.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { capturePath } from '../helpers/groundTruth.js';

const whole = (r: unknown) => JSON.stringify(r, null, 2) + '\n';

describe('resultJsonChunks', () => {
  it.each(['nova-burst', 'nomad-2016-stock'])('%s: the same bytes, the requests in their own pieces', async (name) => {
    const r = await analysedCapture(name);
    const pieces = [...resultJsonChunks(r)];
    expect(pieces.join('')).toBe(whole(r));
    expect(pieces.length).toBeGreaterThan(Object.keys(r).length);
  });
  it.each(['nova-seq', 'nomad-2016-tuned'])(
    '%s: requests made while written give the same bytes as the whole result',
    async (name) => {
      const whole = [...resultJsonChunks(await analysedCapture(name))].join('');
      const { result, requests } = await analyseStreamed(capturePath(name));
      expect(result.requests).toEqual([]);
      expect(requests.length).toBeGreaterThan(10);
      const made: string[] = [];
      const spy = {
        length: requests.length,
        at(i: number) {
          const r = requests.at(i);
          made.push(r.id);
          return r;
        },
      };
      expect([...resultJsonChunks(result, spy)].join('')).toBe(whole);
      expect(made.length).toBe(requests.length);
      expect(new Set(made).size).toBe(requests.length);
    },
  );
  it('more requests than a batch, none, and undefined fields', () => {
    const req = (i: number) => ({
      vim: 'nova',
      id: `r${i}`,
      keys: { server: `r${i}` },
      complete: i % 2 === 0,
      missing: [],
      phases: { a: { ms: i, start: 's', end: 'e', source: 'capture', host: 'h' } },
      absent: {},
    });
    const base = {
      schema: 'vim-analyse/2',
      captures: [],
      vims: ['nova'],
      stats: {},
      clocks: {},
      diagnosis: [],
      counters: { x: 1 },
      warnings: [],
      extra: undefined,
    };
    for (const n of [0, 1, 199, 200, 201, 450]) {
      const r = { ...base, requests: Array.from({ length: n }, (_, i) => req(i)) } as unknown as AnalysisResult;
      expect([...resultJsonChunks(r)].join(''), `${n} requests`).toBe(whole(r));
    }
    expect([...resultJsonChunks({} as AnalysisResult)].join('')).toBe(whole({}));
  });
});
