/**
 * The session's byte budget: when it is spent, the largest of the oldest holders gives
 * its bytes up, never the one growing; the cut is reported once per eviction.
 */
import { describe, expect, it } from 'vitest';
import { ByteBudget, victimCandidates, type BudgetHolder } from '../../src/bytes/byteBudget.js';

function holder(name: string, evicted: string[]): BudgetHolder & { name: string } {
  return { name, held: 0, owner: 'http', evict: () => evicted.push(name) };
}

describe('ByteBudget', () => {
  it('evicts the largest of the oldest holders, not the oldest one, and reports each cut', () => {
    const cuts: [string, number][] = [];
    const evicted: string[] = [];
    const b = new ByteBudget(100, (x, bytes) => cuts.push([(x as { name: string } & BudgetHolder).name, bytes]));
    const [small, junk, fresh] = ['small', 'junk', 'fresh'].map((n) => holder(n, evicted));
    expect(b.resize(small, 10)).toBe(true); // a real message, waiting for its rest
    expect(b.resize(junk, 80)).toBe(true); // grew after it
    expect(b.resize(fresh, 20)).toBe(true); // needs 10 more than there are
    expect(evicted).toEqual(['junk']);
    expect(cuts).toEqual([['junk', 80]]);
    expect(junk.held).toBe(0);
    expect(small.held).toBe(10);
    expect(b.used).toBe(30);
  });

  it('never evicts the holder that grows: past the whole budget it is refused instead', () => {
    const evicted: string[] = [];
    const b = new ByteBudget(100);
    const [x, y] = ['x', 'y'].map((n) => holder(n, evicted));
    expect(b.resize(x, 30)).toBe(true);
    expect(b.resize(y, 90)).toBe(true); // x (the only other) gives way although smaller
    expect(evicted).toEqual(['x']);
    expect(b.resize(y, 101)).toBe(false);
    // Refused: y drops its message, and the 90 bytes it held come back at once.
    expect(y.held).toBe(0);
    expect(b.used).toBe(0);
    b.release(y);
    expect(b.used).toBe(0);
    expect(b.resize(x, 100)).toBe(true);
    expect(evicted).toEqual(['x']);
  });

  it('a refused holder is no victim afterwards: nothing of it is evicted or counted again', () => {
    const cuts: [string, number][] = [];
    const evicted: string[] = [];
    const b = new ByteBudget(100, (x, bytes) => cuts.push([(x as { name: string } & BudgetHolder).name, bytes]));
    const [big, other] = ['big', 'other'].map((n) => holder(n, evicted));
    expect(b.resize(big, 80)).toBe(true);
    expect(b.resize(big, 160)).toBe(false);
    expect(b.resize(other, 90)).toBe(true);
    expect(evicted).toEqual([]);
    expect(cuts).toEqual([]);
    expect(b.used).toBe(90);
  });

  it('chooses among the oldest only: a flood of small stale holders is cut before a fresh larger message', () => {
    const evicted: string[] = [];
    const b = new ByteBudget(1000);
    const flood = Array.from({ length: 2 * victimCandidates }, (_, i) => holder(`flood${i}`, evicted));
    for (const f of flood) b.resize(f, 30);
    const real = holder('real', evicted);
    expect(b.resize(real, 40)).toBe(true);
    const late = holder('late', evicted);
    expect(b.resize(late, 60)).toBe(true);
    expect(evicted.length).toBeGreaterThan(0);
    expect(evicted.every((n) => n.startsWith('flood'))).toBe(true);
    expect(real.held).toBe(40);
  });
});
