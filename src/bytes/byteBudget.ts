/**
 * One byte budget for everything a session holds at once: TCP segments held out of order,
 * HTTP bodies, AMQP message bodies, partial msgpack RPC messages of every connection,
 * channel and stream. Per-item bounds alone added up (300 unfinished 8 MiB bodies: 2.6 GB).
 * A holder that grows takes bytes from the budget; when there are none left, another
 * holder gives its bytes up (its message is cut): the largest of the few that grew longest
 * ago. Largest, because one cut then frees the most; among the oldest only, because a flood
 * of small stale holders must not make a fresh real message the biggest and the victim (and
 * the choice stays a bounded scan however many hold).
 */

export interface BudgetHolder {
  /** Bytes this holder has taken (kept by the budget). */
  held: number;
  /** Who holds (`tcp`, `http`, `amqp`, `msgpack-rpc`): names the loss in counters and warnings. */
  readonly owner: string;
  /** Drop what is held (the budget has already taken the bytes back); never calls out. */
  evict(): void;
}

/** How many of the oldest holders the victim is chosen from. */
export const victimCandidates = 16;

export class ByteBudget {
  private spent = 0;
  /** Holders in the order they last grew, oldest first. */
  private readonly holders = new Set<BudgetHolder>();

  /** `onEvict` counts and reports a cut (`bytes`: what the holder gave up). */
  constructor(
    readonly max: number,
    private readonly onEvict: (x: BudgetHolder, bytes: number) => void = () => {},
  ) {}

  /** Bytes taken by all holders now. */
  get used(): number {
    return this.spent;
  }

  /**
   * `h` grows (or shrinks) to `size` bytes. True when granted (other holders evicted as
   * needed); false when `size` is more than the whole budget: `h` must then drop its
   * message itself, and what it held is taken back now, so that its dropped bytes do not
   * push other holders out until its message ends.
   */
  resize(h: BudgetHolder, size: number): boolean {
    const more = size - h.held;
    if (more <= 0) {
      this.spent += more;
      h.held = size;
      if (size === 0) this.holders.delete(h);
      return true;
    }
    if (size > this.max) return this.refuse(h);
    while (this.spent + more > this.max) {
      const victim = this.victim(h);
      if (victim === undefined) return this.refuse(h);
      this.evict(victim);
    }
    this.spent += more;
    h.held = size;
    this.holders.delete(h);
    this.holders.add(h);
    return true;
  }

  /** `h` holds nothing any more (its message was handed on or dropped). */
  release(h: BudgetHolder): void {
    if (h.held === 0 && !this.holders.has(h)) return;
    this.spent -= h.held;
    h.held = 0;
    this.holders.delete(h);
  }

  private refuse(h: BudgetHolder): false {
    this.release(h);
    return false;
  }

  /** The largest of the `victimCandidates` oldest holders other than `h`. */
  private victim(h: BudgetHolder): BudgetHolder | undefined {
    let best: BudgetHolder | undefined;
    let seen = 0;
    for (const x of this.holders) {
      if (x === h) continue;
      if (best === undefined || x.held > best.held) best = x;
      if (++seen === victimCandidates) break;
    }
    return best;
  }

  private evict(x: BudgetHolder): void {
    const bytes = x.held;
    this.release(x);
    x.evict();
    this.onEvict(x, bytes);
  }
}
