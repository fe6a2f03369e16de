import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { MsgpackSelector, type MsgpackShape } from '../../../src/protocols/msgpackRpc/msgpackSelect.js';
import { MsgpackValueDecoder } from '../../../src/protocols/msgpackRpc/msgpackValue.js';
import { defaultProtocolLimits } from '../../../src/protocols/types.js';

const values = new MsgpackValueDecoder(defaultProtocolLimits);
const select = (value: unknown, shape: MsgpackShape) =>
  new MsgpackSelector(values).select(encode(value, { useBigInt64: true }), shape);
const selectBytes = (bytes: number[], shape: MsgpackShape) =>
  new MsgpackSelector(values).select(Uint8Array.from(bytes), shape);

describe('MsgpackSelector', () => {
  it('keeps only the keys a shape names, at any depth', () => {
    const alloc = {
      ID: 'a1',
      Job: { ID: 'job-1', TaskGroups: [{ Name: 'web' }], VaultToken: 'vault-secret' },
      ClientStatus: 'running',
      Resources: { CPU: 100 },
    };
    expect(
      select(
        { Allocs: [alloc, alloc], Index: 7, AuthToken: 'tok' },
        { Index: true, Allocs: [{ ID: true, Job: { ID: true }, ClientStatus: true }] },
      ),
    ).toEqual({
      ok: true,
      value: {
        Index: 7,
        Allocs: [
          { ID: 'a1', Job: { ID: 'job-1' }, ClientStatus: 'running' },
          { ID: 'a1', Job: { ID: 'job-1' }, ClientStatus: 'running' },
        ],
      },
    });
  });

  it("'*' keeps every key of a map, each with its shape", () => {
    const states = {
      web: {
        State: 'running',
        Events: [{ Type: 'Started', Time: 1_500_000_000_000_000_000n, Message: 'x' }],
        Extra: 1,
      },
      db: { State: 'pending' },
    };
    expect(
      select({ TaskStates: states }, { TaskStates: { '*': { State: true, Events: [{ Type: true, Time: true }] } } }),
    ).toEqual({
      ok: true,
      value: {
        TaskStates: {
          web: { State: 'running', Events: [{ Type: 'Started', Time: 1_500_000_000_000_000_000n }] },
          db: { State: 'pending' },
        },
      },
    });
  });

  it('gives the values the full decoder gives: ints, int64 as bigint, nil, bools, floats, UTF-8, bin', () => {
    const v = {
      A: 5,
      B: -3,
      C: 300,
      D: 70_000,
      E: 2 ** 40,
      F: -(2 ** 40),
      G: null,
      H: true,
      I: false,
      J: 1.5,
      K: 'ünï',
      L: Uint8Array.of(1, 2),
      M: 'x'.repeat(300),
      N: [1, 'two'],
      O: -200,
    };
    const shape = Object.fromEntries(Object.keys(v).map((k) => [k, true as const]));
    const bytes = encode(v, { useBigInt64: true });
    expect(new MsgpackSelector(values).select(bytes, shape)).toEqual(values.decode(bytes));
  });

  it('leaves out a value whose type does not fit its shape, as if absent', () => {
    expect(
      select(
        { Job: null, Allocs: { a: 1 }, Evals: 'no' },
        { Job: { ID: true }, Allocs: [true], Evals: [{ ID: true }] },
      ),
    ).toEqual({ ok: true, value: {} });
    expect(select('just a string', { Index: true })).toEqual({ ok: true, value: undefined });
  });

  it('never decodes what it skips: a __proto__ key is an error only where it is kept', () => {
    // {Skip: {__proto__: 1}, Keep: 2}
    const proto = [0x81, 0xa9, ...Buffer.from('__proto__'), 0x01];
    const body = [0x82, 0xa4, ...Buffer.from('Skip'), ...proto, 0xa4, ...Buffer.from('Keep'), 0x02];
    expect(selectBytes(body, { Keep: true })).toEqual({ ok: true, value: { Keep: 2 } });
    expect(selectBytes(body, { Skip: { '*': true } })).toEqual({
      ok: false,
      error: 'The key __proto__ is not allowed',
    });
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

describe('typed leaves', () => {
  it("keeps a 'number', 'str' or 'bool' only when its type byte says so; anything else is stepped over and counted", () => {
    const s = new MsgpackSelector(values);
    const shape = { Index: 'number', ID: 'str', Failed: 'bool', Time: 'number' } as const;
    expect(
      s.select(encode({ Index: 7, ID: 'a1', Failed: true, Time: 2n ** 62n }, { useBigInt64: true }), shape),
    ).toEqual({ ok: true, value: { Index: 7, ID: 'a1', Failed: true, Time: 2n ** 62n } });
    expect(s.typeMismatches).toBe(0);
    expect(s.select(encode({ Index: { x: 1 }, ID: 5, Failed: 'yes', Time: 1.5 }), shape)).toEqual({
      ok: true,
      value: { Time: 1.5 },
    });
    expect(s.typeMismatches).toBe(3);
  });

  it('an Index of a million nested arrays is skipped by its type byte, never decoded', () => {
    const depth = 1_000_000;
    const bytes = new Uint8Array(7 + depth + 1);
    bytes.set([0x81, 0xa5, ...Buffer.from('Index')]);
    bytes.fill(0x91, 7, 7 + depth); // [[[…[1]…]]]
    bytes[7 + depth] = 0x01;
    const s = new MsgpackSelector(values);
    expect(s.select(bytes, { Index: 'number' })).toEqual({ ok: true, value: {} });
    expect(s.typeMismatches).toBe(1);
  });
});
