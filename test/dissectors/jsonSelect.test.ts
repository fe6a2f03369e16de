import { describe, expect, it } from 'vitest';
import { reassembleTcp } from '../../src/net/reassembleTcp.js';
import { HttpConnectionParser } from '../../src/protocols/http/index.js';
import { defaultProtocolLimits, type ProtocolContext } from '../../src/protocols/types.js';
import { jsonSelect, type JsonScalar } from '../../src/dissectors/jsonSelect.js';
import { capturePath } from '../helpers/groundTruth.js';

const enc = (s: string) => new TextEncoder().encode(s);
const keys = ['ID', 'EvalID', 'Index'];

const objectShape = { ID: true, EvalID: true, Index: true } as const;
const listShape = [objectShape] as const;

/** jsonSelect with the object shape on an object, the list shape on anything else. */
function selected(text: string) {
  const r = jsonSelect(enc(text), text.trim().startsWith('{') ? objectShape : listShape);
  if (r === null) return null;
  if (Array.isArray(r.value)) return { top: 'array', items: r.value.filter((x) => x !== undefined) };
  return r.value === undefined ? null : { top: 'object', items: [r.value] };
}

/** What a reader of JSON.parse's result would see: the scalar values of `keys`. */
function picked(text: string): { top: 'object' | 'array'; items: Record<string, JsonScalar>[] } | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const pick = (o: Record<string, unknown>) =>
    Object.fromEntries(
      keys
        .filter((k) => Object.hasOwn(o, k) && (o[k] === null || typeof o[k] !== 'object'))
        .map((k) => [k, o[k] as JsonScalar]),
    );
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (Array.isArray(v)) return { top: 'array', items: v.filter(isObj).map(pick) };
  if (isObj(v)) return { top: 'object', items: [pick(v)] };
  return null;
}

describe('jsonSelect', () => {
  it.each([
    ['{"ID":"a1","Job":{"ID":"inner","EvalID":"x"},"EvalID":"e1","Index":42}'],
    [
      '[{"ID":"a1","TaskStates":{"web":{"Events":[{"ID":"no"}]}}},{"ID":"a2","EvalID":null}, 3, "s", {"Other":[1,2,{"ID":"deep"}]}]',
    ],
    [' { "ID" : "with \\"quotes\\" and \\\\ and \\u00e9" , "Index" : -1.5e3 } '],
    ['{"\\u0049D":"escaped key","ID2":"not ours"}'],
    ['{"ID":"first","ID":"second","EvalID":"e","EvalID":{"nested":true}}'],
    ['{"ID":"ünïcödé ✓","Index":true}'],
    ['[]'],
    ['{}'],
    ['{"ID":"a"'],
    ['{"ID":"a"} trailing'],
    ['"just a string"'],
    ['42'],
    ['[1, {"ID": 2}, null]'],
    ['{"ID":"a",}'],
    ['{"ID":[1,2}'],
    ['{"ID":"a" "EvalID":"b"}'],
  ])('%s gives what JSON.parse gives for the named keys', (text) => {
    expect(selected(text)).toEqual(picked(text));
  });

  it('reads nested shapes: an object in an object, an array of objects, type mismatches left out', () => {
    const shape = { server: { id: true, status: true, image: { id: true } }, list: [{ a: true }] } as const;
    const text =
      '{"server":{"id":"s1","addresses":{"net":[{"addr":"10.0.0.1"}]},"status":"BUILD","image":{"id":"i1","links":[]}},"list":[{"a":1},"x",{"b":2},{"a":[1]}]}';
    expect(jsonSelect(enc(text), shape)).toEqual({
      value: { server: { id: 's1', status: 'BUILD', image: { id: 'i1' } }, list: [{ a: 1 }, undefined, {}, {}] },
    });
    expect(jsonSelect(enc('{"server":{"image":""}}'), shape)).toEqual({ value: { server: {} } });
    expect(jsonSelect(enc('{"server":[1]}'), shape)).toEqual({ value: {} });
  });

  it("reads the Nomad captures' replies as JSON.parse does", async () => {
    const ctx: ProtocolContext = { counters: {}, warn: () => {}, limits: defaultProtocolLimits };
    const bodies: Uint8Array[] = [];
    await reassembleTcp(capturePath('nomad-2016-stock'), (conn) =>
      conn.server.port === 4646
        ? new HttpConnectionParser(
            conn,
            (ex) => {
              if (ex.response?.body.length) bodies.push(ex.response.body);
            },
            ctx,
          )
        : null,
    );
    expect(bodies.length).toBeGreaterThan(100);
    const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
    for (const b of bodies) expect(selected(text(b))).toEqual(picked(text(b)));
    expect(bodies.filter((b) => selected(text(b))?.items.some((i) => typeof i.ID === 'string')).length).toBeGreaterThan(
      50,
    );
  });
});
