/**
 * jsonSelect's EmbeddedJson (a JSON text read where it stands inside a JSON string) and its
 * `misfit` option, against JSON.parse of the string and then of its text.
 */
import { describe, expect, it } from 'vitest';
import { EmbeddedJson, jsonSelect } from '../../src/dissectors/jsonSelect.js';

const enc = (s: string) => new TextEncoder().encode(s);
const MISFIT = Symbol('misfit');
const shape = { id: true, list: [true], obj: { a: true }, any: 'any' } as const;
const carried = { text: new EmbeddedJson(shape) };

/** What a reader of JSON.parse's result sees through `shape`: wrong types are MISFIT, absent members absent. */
function expected(text: string): unknown {
  const v: unknown = JSON.parse(JSON.parse(text).text);
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  const scalar = (x: unknown) => (typeof x === 'object' && x !== null ? MISFIT : x);
  if (!isObj(v)) return { text: MISFIT };
  const out: Record<string, unknown> = {};
  if (Object.hasOwn(v, 'id')) out.id = scalar(v.id);
  if (Object.hasOwn(v, 'list')) out.list = Array.isArray(v.list) ? v.list.map(scalar) : MISFIT;
  if (Object.hasOwn(v, 'obj'))
    out.obj = isObj(v.obj) ? (Object.hasOwn(v.obj, 'a') ? { a: scalar(v.obj.a) } : {}) : MISFIT;
  if (Object.hasOwn(v, 'any')) out.any = v.any;
  return { text: out };
}

describe('jsonSelect: EmbeddedJson', () => {
  it.each([
    [{ id: 'x', list: [1, 'two', null, { no: 1 }], obj: { a: 'q"uo\\te', b: 2 }, any: { deep: ['e', 1.5e3] } }],
    [{ id: { wrong: 1 }, list: { wrong: 1 }, obj: [1], any: null }],
    [{ skip: { a: [1, { b: '"]}' }], c: '\\' }, id: 'after "skip"' }],
    [{ id: 'first', id2: 1, list: [] }],
    [[1, 2]],
    ['just a string'],
    [{}],
  ])('%j', (value) => {
    const text = JSON.stringify({ text: JSON.stringify(value), after: 1 });
    expect(jsonSelect(enc(text), carried, { misfit: MISFIT })).toEqual({ value: expected(text) });
  });

  it('reads keys written with escapes, and a duplicate key: the last wins', () => {
    const text = JSON.stringify({ text: '{"\\u0069d": "escaped", "id": "plain", "obj": {"a": 1}, "obj": 2}' });
    expect(jsonSelect(enc(text), carried, { misfit: MISFIT })).toEqual({
      value: { text: { id: 'plain', obj: MISFIT } },
    });
  });

  it('a member that is no string is a misfit; one that is missing is absent', () => {
    expect(jsonSelect(enc('{"text": 5}'), carried, { misfit: MISFIT })).toEqual({ value: { text: MISFIT } });
    expect(jsonSelect(enc('{"text": 5}'), carried)).toEqual({ value: {} });
    expect(jsonSelect(enc('{"other": "{}"}'), carried)).toEqual({ value: {} });
  });

  it.each([
    ['a text that is not JSON', '{"text": "{\\"id\\": }"}'],
    ['a text that ends before its string', '{"text": "{\\"id\\": 1"}'],
    ['a text with more after its value', '{"text": "{\\"id\\": 1} x"}'],
    ['a string that ends inside the text', '{"text": "{\\"id\\": "}'],
    ['an escape other than \\" and \\\\', '{"text": "{\\"id\\":\\n1}"}'],
    ['a \\u escape', '{"text": "{\\u0022id\\": 1}"}'],
    ['a raw control byte', '{"text": "{\\"id\\":\t1}"}'],
    ['non-ASCII', '{"text": "{\\"id\\": \\"é\\"}"}'],
    ['truncated', '{"text": "{\\"list\\": [\\"a'],
    ['truncated after a backslash of the text', '{"text": "{\\"id\\": \\"a\\\\'],
  ])('%s: not read (null)', (_, text) => {
    expect(jsonSelect(enc(text), carried)).toBeNull();
  });
});
