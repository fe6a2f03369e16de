/**
 * Seeded pseudo-random numbers for the fuzzer (mulberry32): every variant is made from
 * (seed, variant number) alone, so any finding can be reproduced by its number.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator of variant `index` of run `seed` (independent of the variants before it). */
  static forVariant(seed: number, index: number): Prng {
    // Mix the two with a 32-bit hash step so nearby indices give unrelated streams.
    let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    return new Prng(h ^ (h >>> 15));
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Integer in [lo, hi], log-uniform: small sizes as likely as large ones. */
  logInt(lo: number, hi: number): number {
    const a = Math.log(Math.max(1, lo)),
      b = Math.log(Math.max(1, hi) + 1);
    return Math.min(hi, Math.max(lo, Math.floor(Math.exp(a + this.next() * (b - a)))));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}
