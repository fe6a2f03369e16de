/** Nomad API bodies are kept only where nomadHttpEvent reads fields from them. */
import { describe, expect, it } from 'vitest';
import { nomadKeepsBody } from '../../../src/dissectors/nomad/httpEvents.js';

describe('nomadKeepsBody', () => {
  it.each([
    [0, 'PUT', '/v1/jobs', true],
    [0, 'POST', '/v1/job/example', true],
    [0, 'POST', '/v1/job/example/evaluate', false],
    [0, 'GET', '/v1/jobs', false],
    [1, 'PUT', '/v1/jobs', true],
    [1, 'DELETE', '/v1/job/example', true],
    [1, 'GET', '/v1/job/example/allocations?index=12', true],
    [1, 'GET', '/v1/allocation/5d2b7b6c-0f3c-4a6e-9b2f-3c1a7f0e9d11', true],
    [1, 'GET', '/v1/evaluation/5d2b7b6c-0f3c-4a6e-9b2f-3c1a7f0e9d11', true],
    [1, 'GET', '/v1/job/example', false],
    [1, 'GET', '/v1/nodes', false],
  ] as const)('dir %i %s %s → %s', (dir, method, target, keep) => {
    expect(nomadKeepsBody({ dir, method, target })).toBe(keep);
  });
  it('a reply whose request was not seen is kept (it may be any of them)', () => {
    expect(nomadKeepsBody({ dir: 1 })).toBe(true);
  });
});
