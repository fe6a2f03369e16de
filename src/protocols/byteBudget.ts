/**
 * One byte budget for everything the parsers of a session hold at once: HTTP bodies, AMQP
 * message bodies, partial msgpack RPC messages of every connection, channel and stream.
 * Per-item bounds alone added up (300 unfinished 8 MiB bodies: 2.6 GB). A holder that
 * grows takes bytes from the budget; when there are none left, the holders that grew
 * longest ago give theirs up first (their message is cut, counted and said once), so a
 * flood of old partial messages cannot starve the traffic that follows it.
 */
import { count, type ProtocolContext } from './types.js';

export interface BudgetHolder {
  /** Bytes this holder has taken (kept by the budget). */
  held: number;
  /** Which protocol's counters name the loss. */
  readonly protocol: 'http' | 'amqp' | 'msgpack-rpc';
  /** Drop what is held; the message it belonged to is cut. */
  evict(): void;
}

export class ByteBudget {
  private spent = 0;
  /** Holders in the order they last grew, oldest first. */
  private readonly holders = new Set<BudgetHolder>();
  private warned = false;

  constructor(private readonly ctx: ProtocolContext) {}

  get max(): number {
    return this.ctx.limits.maxHeldBytes;
  }

  /**
   * `h` grows to `size` bytes. True when granted (older holders evicted as needed); false
   * when even all the others would not make room: `h` must then drop its message itself.
   */
  resize(h: BudgetHolder, size: number): boolean {
    const more = size - h.held;
    if (more <= 0) {
      this.spent += more;
      h.held = size;
      return true;
    }
    if (size > this.max) return false;
    while (this.spent + more > this.max) {
      const oldest = this.oldestOther(h);
      if (oldest === undefined) return false;
      this.evict(oldest);
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

  private oldestOther(h: BudgetHolder): BudgetHolder | undefined {
    for (const x of this.holders) if (x !== h) return x;
    return undefined;
  }

  private evict(x: BudgetHolder): void {
    count(this.ctx.counters, 'memory', 'evictions');
    count(this.ctx.counters, 'memory', 'evictedBytes', x.held);
    if (!this.warned) {
      this.warned = true;
      this.ctx.warn({ stage: 'protocols', protocol: x.protocol, message: `parsers held ${this.max} bytes (--max-held-bytes): the oldest partial messages are cut to make room (counted in memory.evictions)` });
    }
    this.release(x);
    x.evict();
  }
}

const budgets = new WeakMap<ProtocolContext, ByteBudget>();

/** The session's budget: one per protocol context (every parser of a session shares it). */
export function byteBudget(ctx: ProtocolContext): ByteBudget {
  let b = budgets.get(ctx);
  if (b === undefined) budgets.set(ctx, (b = new ByteBudget(ctx)));
  return b;
}
