/** The bounds that keep a live session's memory flat: open requests, remembered ids. */
import { describe, expect, it } from 'vitest';
import { enforceOpenLimit, rememberBounded } from '../../src/timeline/openRequestLimit.js';

describe('rememberBounded', () => {
  it('keeps the most recent ids, forgetting the oldest first', () => {
    const s = new Set<string>();
    for (let i = 0; i < 10; i++) rememberBounded(s, `id${i}`, 4);
    expect([...s]).toEqual(['id6', 'id7', 'id8', 'id9']);
    rememberBounded(s, 'id7', 4);
    expect(s.size).toBe(4);
  });
});

describe('enforceOpenLimit', () => {
  it('gives up the oldest open drafts past the bound, never a complete one', () => {
    const drafts = new Map<string, { open: boolean }>([
      ['a', { open: false }],
      ['b', { open: true }],
      ['c', { open: true }],
      ['d', { open: true }],
    ]);
    const evicted: string[] = [];
    enforceOpenLimit(drafts, (d) => d.open, { max: 2, onEvict: (id) => evicted.push(id) });
    expect(evicted).toEqual(['b']);
    expect([...drafts.keys()]).toEqual(['a', 'c', 'd']);
  });
});
