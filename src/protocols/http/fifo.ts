/**
 * A first-in first-out queue with O(1) removal at the front: Array#shift copies the whole
 * array, which made 400,000 pipelined requests quadratic (117 s).
 */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(x: T): void {
    this.items.push(x);
  }

  /** The oldest item, or undefined. */
  first(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** The newest item at distance `k` from the back (0: last), or undefined. */
  fromBack(k: number): T | undefined {
    const i = this.items.length - 1 - k;
    return i >= this.head ? this.items[i] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined as T;
    // Drop the consumed front now and then: amortised O(1), memory bounded by what is queued.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i];
  }

  /** Remove and return everything queued, oldest first. */
  drain(): T[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}
