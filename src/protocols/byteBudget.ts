/**
 * The session's byte budget as the parsers reach it: one per protocol context, with the
 * cuts counted (`memory.evictions`, `memory.evictedBytes`, `memory.evictions.<owner>`) and
 * said once. The budget itself lives in src/bytes, below the net stage, whose held
 * out-of-order segments it bounds too.
 */
import { ByteBudget, type BudgetHolder } from '../bytes/byteBudget.js';
import { count, type ProtocolContext, type ProtocolWarning } from './types.js';

export { ByteBudget, type BudgetHolder };

const budgets = new WeakMap<ProtocolContext, ByteBudget>();

/** The session's budget: one per protocol context (every parser of a session, and its TCP reassembler, share it). */
export function byteBudget(ctx: ProtocolContext): ByteBudget {
  let b = budgets.get(ctx);
  if (b === undefined) budgets.set(ctx, (b = countedBudget(ctx)));
  return b;
}

function countedBudget(ctx: ProtocolContext): ByteBudget {
  let warned = false;
  const max = ctx.limits.maxHeldBytes;
  return new ByteBudget(max, (x, bytes) => {
    count(ctx.counters, 'memory', 'evictions');
    count(ctx.counters, 'memory', 'evictedBytes', bytes);
    count(ctx.counters, 'memory', `evictions.${x.owner}`);
    if (warned) return;
    warned = true;
    ctx.warn({
      stage: 'protocols',
      protocol: x.owner as ProtocolWarning['protocol'],
      message:
        `parsers and TCP reassembly held ${max} bytes (--max-held-bytes): the largest of the oldest ` +
        `partial messages or out-of-order segments are cut to make room (counted in memory.evictions)`,
    });
  });
}
