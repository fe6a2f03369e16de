/**
 * The message log gives back exactly what it was given (field order as `messages --json`
 * prints it, ids in their own key order, null durations), keeps time order stably, shares
 * repeated id sets, and stops at its limit with a count.
 */
import { describe, expect, it } from 'vitest';
import { MessageLog } from '../../src/dissectors/messageLog.js';
import type { VimMessage } from '../../src/dissectors/types.js';

const msg = (t: number, over: Partial<VimMessage> = {}): VimMessage => ({
  t,
  vim: 'nomad',
  type: 'nomad-rpc',
  name: 'Node.UpdateAlloc',
  service: 'nomad-server',
  src: '10.0.0.2:4000',
  dst: '10.0.0.1:4647',
  ms: 1.5,
  ids: {},
  ...over,
});

describe('MessageLog', () => {
  const given: VimMessage[] = [
    msg(10, { ids: { node: 'n1', alloc: 'a1' } }),
    msg(20, { ms: null, ids: { alloc: 'a1', node: 'n1' } }),
    msg(30, {
      vim: 'nova',
      type: 'http',
      name: 'POST /v2.1/servers',
      service: 'nova-api',
      status: 202,
      ids: { server: 's1', request: 'req-1' },
    }),
    msg(40, {
      vim: 'nova',
      type: 'rpc-call',
      name: 'select_destinations',
      service: 'nova-scheduler',
      status: 'NoValidHost',
      ids: { servers: ['s1', 's2'] },
    }),
    msg(50, { ids: { allocs: ['a1', 'a2', 'a3'], node: 'n1' } }),
    msg(60, { vim: 'nova', type: 'notification', name: 'instance.create.end', service: 'notifications', ms: 0 }),
  ];

  it('gives every message back as it was given, field order included', () => {
    const log = MessageLog.from(given);
    expect(log.length).toBe(given.length);
    const back = [...log];
    const order = (m: VimMessage) => [
      't',
      'vim',
      'type',
      'name',
      'service',
      'src',
      'dst',
      'ms',
      ...(m.status !== undefined ? ['status'] : []),
      'ids',
    ];
    back.forEach((m, i) => {
      expect(m).toEqual(given[i]);
      expect(Object.keys(m)).toEqual(order(given[i]));
      // Ids keep the key order they came with (two sets with the same content, other order).
      expect(Object.keys(m.ids)).toEqual(Object.keys(given[i].ids));
    });
    expect(log.ms(1)).toBeNull();
    expect(log.ms(5)).toBe(0);
    expect([log.vim(2), log.name(3), log.src(0), log.dst(4)]).toEqual([
      'nova',
      'select_destinations',
      '10.0.0.2:4000',
      '10.0.0.1:4647',
    ]);
    expect(log.ids(4)).toEqual({ allocs: ['a1', 'a2', 'a3'], node: 'n1' });
  });

  it('an id set repeated many times is stored once, and still read back whole', () => {
    const log = new MessageLog();
    const allocs = Array.from({ length: 50 }, (_, i) => `alloc-${i}`);
    for (let i = 0; i < 10_000; i++) log.push(msg(i, { ids: { node: 'n1', allocs: [...allocs] } }));
    log.push(msg(10_000, { ids: { node: 'n2', allocs: [...allocs] } }));
    const pool = (log as unknown as { idSets: { used: number } }).idSets.used;
    // One set of 1 + 2 + 2 + 50 numbers per distinct set, not per message.
    expect(pool).toBe(2 * (1 + 2 + 2 + 50));
    expect(log.ids(9_999)).toEqual({ node: 'n1', allocs });
    expect(log.ids(10_000)).toEqual({ node: 'n2', allocs });
  });

  it('reads back sets across pool chunks, a set longer than a chunk included', () => {
    // A chunk holds 2^18 numbers: 3,000 distinct sets of 100 ids fill one and start the next;
    // 300,000 ids in one list are more than a chunk.
    const given: VimMessage[] = [];
    for (let s = 0; s < 3000; s++)
      given.push(
        msg(s, { ids: { node: `n${s}`, allocs: Array.from({ length: 100 }, (_, j) => `a${(s + j) % 400}`) } }),
      );
    given.push(msg(3000, { ids: { allocs: Array.from({ length: 300_000 }, (_, j) => `b${j}`) } }));
    given.push(msg(3001, { ids: given[1].ids }));
    const log = MessageLog.from(given);
    expect([...log]).toEqual(given);
    // The repeated set was found again, not stored twice.
    expect((log as unknown as { idSets: { used: number } }).idSets.used).toBe(
      3000 * (1 + 2 + 2 + 100) + (1 + 2 + 300_000),
    );
  });

  it('grows past its first capacity without losing anything', () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      msg(i * 7, {
        name: `M${i % 13}`,
        src: `10.0.${i % 250}.1:${1000 + i}`,
        ms: i % 3 ? i / 10 : null,
        ids: { alloc: `a${i}` },
      }),
    );
    const log = MessageLog.from(many);
    expect([...log]).toEqual(many);
  });

  it('puts messages in time order, ties in arrival order', () => {
    const log = MessageLog.from([
      msg(30, { name: 'c' }),
      msg(10, { name: 'a' }),
      msg(30, { name: 'd' }),
      msg(20, { name: 'b' }),
      msg(10, { name: 'a2' }),
    ]);
    log.sortByTime();
    expect(Array.from(log, (m) => [m.t, m.name])).toEqual([
      [10, 'a'],
      [10, 'a2'],
      [20, 'b'],
      [30, 'c'],
      [30, 'd'],
    ]);
  });

  it('keeps at most its limit and counts the rest', () => {
    const log = new MessageLog(3);
    const kept = given.map((m) => log.push(m));
    expect(kept).toEqual([true, true, true, false, false, false]);
    expect(log.length).toBe(3);
    expect(log.dropped).toBe(3);
    expect([...log]).toEqual(given.slice(0, 3));
  });
});
