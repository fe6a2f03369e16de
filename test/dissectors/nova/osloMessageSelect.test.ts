/**
 * decodeOsloMessage selects the fields it reads (the inner message read in place in its
 * envelope) instead of parsing the body whole: its results must be the whole parse's
 * (decodeOsloMessageWhole: JSON.parse of the envelope, then of the inner text, then the
 * same reading), on every AMQP body of the shared Nova captures and on hand-made hostile
 * bodies. decodeOsloMessageSelected is the selecting path alone: it must take the
 * captures' bodies (or the comparison would only test the whole parse against itself).
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  decodeOsloMessage,
  decodeOsloMessageSelected,
  decodeOsloMessageWhole,
} from '../../../src/dissectors/nova/osloMessage.js';
import { capturePath } from '../../helpers/groundTruth.js';
import { parseAmqpCapture } from '../../protocols/amqp/amqpCapture.js';
import { context, envelope, novaObject } from './osloWire.js';

const U1 = 'b956784b-1e94-4804-8591-9ca1c98c8560';
const U2 = 'e298b26a-cf42-4a25-b7d2-1ea754327161';
const enc = (s: string) => new TextEncoder().encode(s);
/** An envelope around inner text written by hand (escaped here as json.dumps would). */
const wrapText = (inner: string) => enc(`{"oslo.version": "2.0", "oslo.message": ${JSON.stringify(inner)}}`);

/** The bodies whose selected and whole decodings differ, shown as text. */
function disagreements(bodies: Uint8Array[]): string[] {
  const out: string[] = [];
  for (const b of bodies) {
    const whole = decodeOsloMessageWhole(b);
    const got = decodeOsloMessage(b);
    // Key order too: the outputs serialise these records.
    if (!isDeepStrictEqual(got, whole) || JSON.stringify(got) !== JSON.stringify(whole))
      out.push(
        `${Buffer.from(b.subarray(0, 200)).toString('latin1')} → ${JSON.stringify(got)} ≠ ${JSON.stringify(whole)}`,
      );
  }
  return out;
}

describe('decodeOsloMessage selects what the whole parse would read', () => {
  it.each(['nova-seq', 'nova-burst', 'nova-net'])(
    'every AMQP body of %s',
    async (name) => {
      const bodies: Uint8Array[] = [];
      await parseAmqpCapture(capturePath(name), (m) => {
        if (m.body.length > 0) bodies.push(m.body);
      });
      expect(bodies.length).toBeGreaterThan(1000);
      expect(disagreements(bodies)).toEqual([]);
      // The selecting path takes them all: oslo's bodies are ASCII with `\"` and `\\` escapes only.
      expect(bodies.filter((b) => decodeOsloMessageSelected(b) === undefined).length).toBe(0);
    },
    30_000,
  );

  const call = {
    method: 'object_action',
    namespace: 'conductor',
    version: '3.0',
    _msg_id: 'm1',
    _reply_q: 'reply_q1',
    _unique_id: 'u1',
    ...context,
    args: {
      objmethod: 'save',
      objinst: {
        ...novaObject('Instance', { uuid: U1, vm_state: 'active', host: 'cmp "1" \\ é 😀 \u0001' }),
        'nova_object.changes': ['task_state', 'vm_state'],
      },
      instance_uuids: [U1, U2, U1, 7, { x: U2 }],
      build_requests: [novaObject('BuildRequest', { instance_uuid: U2 }), 'x', null],
      devices: ['tap1', 'bad name', 5, { a: 1 }, 'tap2'],
      events: [
        novaObject('InstanceExternalEvent', { name: 'network-vif-plugged', instance_uuid: U1, tag: U2 }),
        { 'nova_object.data': [] },
        3,
      ],
    },
  };
  const notification = {
    event_type: 'compute.instance.create.end',
    publisher_id: 'compute.cmp1',
    priority: 'INFO',
    message_id: 'n1',
    timestamp: '2026-11-25 05:37:59.297264',
    _unique_id: 'u2',
    payload: { ...novaObject('InstanceActionPayload', { uuid: U1 }), instance_id: U2 },
  };
  const reply = {
    _msg_id: 'm1',
    _unique_id: 'u3',
    result: { big: [1, 2, { deep: 'x' }] },
    failure: JSON.stringify({ class: 'Boom', message: 'rabbit://u:secret@h/ went away' }),
    ending: true,
  };
  const wellFormed = [call, notification, reply].map((m) => envelope(m));

  it('hand-made messages, with escapes, unicode and wrong types', () => {
    const variants: unknown[] = [
      call,
      notification,
      reply,
      { ...reply, failure: { class: 'C', message: 'm' } },
      { ...reply, failure: [1, 2] },
      { ...reply, failure: null, ending: { no: true } },
      { ...reply, result: undefined, ending: 5 },
      { ...call, method: 5 },
      { ...call, args: [1, 2] },
      { ...call, args: { ...call.args, objinst: 5 } },
      { ...call, args: { ...call.args, objinst: null } },
      {
        ...call,
        args: { ...call.args, objinst: { 'nova_object.name': 'Instance', 'nova_object.changes': 'vm_state' } },
      },
      { ...call, args: { ...call.args, instance_uuids: { a: U1 }, devices: 'tap9', device: 'tap3' } },
      { ...call, args: { ...call.args, events: { 0: 1 } } },
      { ...notification, payload: [U1], event_type: { x: 1 } },
      { ...notification, event_type: 'é\u2028\ud83d\ude00', publisher_id: '\\"quoted\\"' },
      { ...notification, payload: { instance_id: 'lone \ud800 surrogate' } },
      { hello: 1 },
      [1, 2],
      'text',
      42,
      null,
    ];
    const bodies = variants.map((v) => envelope(v));
    // Unwrapped bodies (no oslo.message: the outer object is the message).
    bodies.push(enc(JSON.stringify(call)), enc(JSON.stringify(notification)), enc(JSON.stringify(reply)));
    // Deep nesting, stepped over and read ('any').
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    bodies.push(wrapText(`{"method": "deep", "_unique_id": "u", "args": {"nest": ${deep}, "instance_uuid": "${U1}"}}`));
    bodies.push(wrapText(`{"_msg_id": "m", "failure": ${deep}, "ending": true}`));
    expect(disagreements(bodies)).toEqual([]);
    expect(bodies.filter((b) => decodeOsloMessageSelected(b) !== undefined).length).toBeGreaterThan(10);
  });

  it('duplicate keys (the last wins) and __proto__ keys, at both levels', () => {
    const bodies = [
      wrapText(`{"method": "a", "_unique_id": "u", "method": "b", "args": {"instance_uuid": "${U1}"}, "args": 5}`),
      wrapText(`{"method": "a", "method": {"x": 1}, "_msg_id": "m", "result": 1, "result": {"y": [2]}}`),
      wrapText(`{"__proto__": {"method": "x"}, "method": "m", "args": {"__proto__": {"instance_uuid": "${U1}"}}}`),
      wrapText(`{"constructor": 1, "method": "m", "args": {"constructor": {"instance_uuid": "${U1}"}}}`),
      enc(`{"oslo.message": "{\\"method\\": \\"first\\"}", "oslo.message": "{\\"method\\": \\"second\\"}"}`),
      enc(`{"oslo.message": "{\\"method\\": \\"inner\\"}", "oslo.message": 5, "method": "outer"}`),
      enc(`{"oslo.message": 5, "oslo.message": "{\\"method\\": \\"inner\\"}", "method": "outer"}`),
      enc(`{"oslo.message": "[1, 2]", "method": "outer"}`),
      enc(`{"oslo.message": "\\"a string\\"", "method": "outer"}`),
      enc(`{"oslo.message": {"method": "an object"}, "method": "outer"}`),
      enc(`{"__proto__": "{\\"method\\": \\"x\\"}", "oslo.message": "{\\"method\\": \\"y\\"}"}`),
    ];
    expect(disagreements(bodies)).toEqual([]);
  });

  it('escapes the selecting path does not read, and bytes it leaves to the whole parse', () => {
    const inner = JSON.stringify(call);
    const bodies = [
      // Other escapes of the inner text: \u0022 for a quote, \/ , \n and \t as whitespace, \u00e9.
      enc(`{"oslo.message": "${inner.replace(/"/g, '\\u0022')}"}`),
      enc(`{"oslo.message": "${inner.replace(/"/g, '\\"').replace(/\//g, '\\/').replace(/,/g, ',\\n\\t')}"}`),
      enc(`{"oslo.message": "{\\"method\\": \\"caf\\u00e9\\", \\"_unique_id\\": \\"\\ud83d\\ude00\\"}"}`),
      enc(`{"oslo.message": "{\\"method\\": \\"lone \\ud800\\"}"}`),
      enc(`{"oslo.message": "{\\"method\\": \\"bad \\x escape\\"}"}`),
      enc(`{"oslo.message": "{\\"method\\": \\"raw \u0001 control\\"}"}`),
      enc(`{"oslo.message":\n"{\\"method\\": \\"m\\"}"\t}`),
      enc('{"oslo.message": "{\\"method\\":\n\\"m\\"}"}'),
      // Non-ASCII and non-UTF-8 bytes, a byte-order mark.
      enc(`{"oslo.message": "{\\"method\\": \\"café\\"}"}`),
      Uint8Array.of(...enc('{"oslo.message": "{\\"method\\": \\"'), 0xff, 0xfe, ...enc('\\"}"}')),
      Uint8Array.of(0xef, 0xbb, 0xbf, ...enc('{"oslo.message": "{\\"method\\": \\"m\\"}"}')),
      // Inner-level escapes in keys and values.
      enc(`{"oslo.message": "{\\"\\\\u006dethod\\": \\"m\\\\\\"q\\\\\\\\\\", \\"_msg_id\\": \\"\\\\u00e9\\"}"}`),
      // Not JSON, outside and inside.
      enc('not json'),
      enc(''),
      enc('{"oslo.message": "{\\"method\\": \\"m\\"}}"}'),
      enc('{"oslo.message": "{\\"method\\": \\"m\\"}" "x": 1}'),
      enc('{"oslo.message": "{\\"method\\" \\"m\\"}"}'),
      enc('{"oslo.message": "{\\"method\\": \\"m\\"} trailing"}'),
      enc('{"oslo.message": "{\\"method\\": \\"m\\"}"} trailing'),
      enc('{"oslo.message": "{\\"method\\": \\"m\\", \\"_unique_id\\": 1x}"}'),
      enc(`{"oslo.message": "${'[\\"'.repeat(20000)}"}`),
      enc(`{"oslo.message": "{\\"method\\": \\"m\\", \\"skip\\": ${'['.repeat(100000)}"}`),
    ];
    expect(disagreements(bodies)).toEqual([]);
  });

  it('every truncation of a body', () => {
    const bodies: Uint8Array[] = [];
    for (const body of wellFormed) for (let n = 0; n < body.length; n++) bodies.push(body.subarray(0, n));
    expect(disagreements(bodies)).toEqual([]);
    expect(bodies.every((b) => decodeOsloMessage(b).ok === false)).toBe(true);
  });

  it('the one difference, by design: a skipped part is checked for structure only', () => {
    // A bad literal in a member no field is read from: JSON.parse refuses the body, the selection does not.
    const body = wrapText('{"method": "m", "_unique_id": "u", "unread": tru}');
    expect(decodeOsloMessageWhole(body)).toEqual({ ok: false, error: 'body is not JSON' });
    expect(decodeOsloMessage(body)).toEqual({
      ok: true,
      message: { kind: 'cast', method: 'm', uniqueId: 'u', instances: [] },
    });
    // Read, the same literal is refused as JSON.parse refuses it.
    expect(decodeOsloMessage(wrapText('{"method": "m", "_unique_id": tru}'))).toEqual({
      ok: false,
      error: 'body is not JSON',
    });
  });
});
