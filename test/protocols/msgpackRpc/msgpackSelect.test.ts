import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { MsgpackSelector, type MsgpackShape } from '../../../src/protocols/msgpackRpc/msgpackSelect.js';
import { MsgpackValueDecoder } from '../../../src/protocols/msgpackRpc/msgpackValue.js';
import { defaultProtocolLimits } from '../../../src/protocols/types.js';

const values = new MsgpackValueDecoder(defaultProtocolLimits);
const select = (value: unknown, shape: MsgpackShape) => new MsgpackSelector(values).select(encode(value, { useBigInt64: true }), shape);
const selectBytes = (bytes: number[], shape: MsgpackShape) => new MsgpackSelector(values).select(Uint8Array.from(bytes), shape);

describe('MsgpackSelector', () => {
  it('keeps only the keys a shape names, at any depth', () => {
    const alloc = { ID: 'a1', Job: { ID: 'job-1', TaskGroups: [{ Name: 'web' }], VaultToken: 'vault-secret' }, ClientStatus: 'running', Resources: { CPU: 100 } };
    expect(select({ Allocs: [alloc, alloc], Index: 7, AuthToken: 'tok' }, { Index: true, Allocs: [{ ID: true, Job: { ID: true }, ClientStatus: true }] })).toEqual({
      ok: true,
      value: { Index: 7, Allocs: [{ ID: 'a1', Job: { ID: 'job-1' }, ClientStatus: 'running' }, { ID: 'a1', Job: { ID: 'job-1' }, ClientStatus: 'running' }] },
    });
  });

  it("'*' keeps every key of a map, each with its shape", () => {
    const states = { web: { State: 'running', Events: [{ Type: 'Started', Time: 1_500_000_000_000_000_000n, Message: 'x' }], Extra: 1 }, db: { State: 'pending' } };
    expect(select({ TaskStates: states }, { TaskStates: { '*': { State: true, Events: [{ Type: true, Time: true }] } } })).toEqual({
      ok: true,
      value: { TaskStates: { web: { State: 'running', Events: [{ Type: 'Started', Time: 1_500_000_000_000_000_000n }] }, db: { State: 'pending' } } },
    });
  });

  it('gives the values the full decoder gives: ints, int64 as bigint, nil, bools, floats, UTF-8, bin', () => {
    const v = { A: 5, B: -3, C: 300, D: 70_000, E: 2 ** 40, F: -(2 ** 40), G: null, H: true, I: false, J: 1.5, K: 'ünï', L: Uint8Array.of(1, 2), M: 'x'.repeat(300), N: [1, 'two'], O: -200 };
    const shape = Object.fromEntries(Object.keys(v).map((k) => [k, true as const]));
    const bytes = encode(v, { useBigInt64: true });
    expect(new MsgpackSelector(values).select(bytes, shape)).toEqual(values.decode(bytes));
  });

  it('leaves out a value whose type does not fit its shape, as if absent', () => {
    expect(select({ Job: null, Allocs: { a: 1 }, Evals: 'no' }, { Job: { ID: true }, Allocs: [true], Evals: [{ ID: true }] })).toEqual({ ok: true, value: {} });
    expect(select('just a string', { Index: true })).toEqual({ ok: true, value: undefined });
  });

  it('never decodes what it skips: a __proto__ key is an error only where it is kept', () => {
    // {Skip: {__proto__: 1}, Keep: 2}
    const proto = [0x81, 0xa9, ...Buffer.from('__proto__'), 0x01];
    const body = [0x82, 0xa4, ...Buffer.from('Skip'), ...proto, 0xa4, ...Buffer.from('Keep'), 0x02];
    expect(selectBytes(body, { Keep: true })).toEqual({ ok: true, value: { Keep: 2 } });
    expect(selectBytes(body, { Skip: { '*': true } })).toEqual({ ok: false, error: 'The key __proto__ is not allowed' });
    expect(selectBytes(body, { Skip: true }).ok).toBe(false);
  });

  it('a later duplicate key wins, as with the full decoder', () => {
    // {ID: "a", ID: "b"}
    const body = [0x82, 0xa2, 0x49, 0x44, 0xa1, 0x61, 0xa2, 0x49, 0x44, 0xa1, 0x62];
    expect(selectBytes(body, { ID: true })).toEqual({ ok: true, value: { ID: 'b' } });
  });

  it('reports truncated objects and bytes after the object instead of throwing', () => {
    const whole = [...encode({ ID: 'abc', Index: 3 })];
    expect(selectBytes(whole.slice(0, whole.length - 2), { ID: true, Index: true }).ok).toBe(false);
    expect(selectBytes([...whole, 0xc0], { ID: true })).toEqual({ ok: false, error: 'extra 1 bytes after the object' });
    expect(selectBytes([0xc1], { ID: true }).ok).toBe(false);
  });
});
