/**
 * DecodedBodies and osloPredecode's `seenElsewhere`: a delivery left undecoded by a worker
 * (another worker decoded the same body) is decoded by the correlator when it has not seen
 * the body, and found when it has — the events are those of a correlator reading every body.
 */
import { describe, expect, it } from 'vitest';
import { OsloCorrelator, osloPredecode } from '../../src/dissectors/nova/osloCorrelator.js';
import type { AmqpMessage } from '../../src/protocols/types.js';
import { DecodedBodies, decodedBodiesBuffer } from '../../src/pipeline/decodedBodies.js';
import { amqp, connection, context } from '../dissectors/nova/osloWire.js';

const ms = 1_000_000;
const pub = connection('10.98.0.1', 51586);
const sub = connection('10.98.0.1', 45080);
const call = {
  method: 'select_destinations',
  _msg_id: 'M1',
  _reply_q: 'reply_Q',
  _unique_id: 'U-call',
  args: { instance_uuids: ['b956784b-1e94-4804-8591-9ca1c98c8560'] },
  ...context,
};

/** As the main thread gets it from a worker: no body when decoded there. */
function fromWorker(m: AmqpMessage, seen: DecodedBodies): [AmqpMessage, ReturnType<typeof osloPredecode>] {
  const pre = osloPredecode(m, (f, n) => seen.has(f, n));
  if (pre?.decoded) seen.add(pre.fingerprint, pre.bodyLength);
  return [{ ...m, body: pre?.decoded ? new Uint8Array(0) : m.body }, pre];
}

describe('DecodedBodies', () => {
  it('is shared by every holder of its buffer, and tells bodies apart by fingerprint and length', () => {
    const buffer = decodedBodiesBuffer();
    const a = new DecodedBodies(buffer),
      b = new DecodedBodies(buffer);
    expect(b.has(0xdeadbeef, 10)).toBe(false);
    a.add(0xdeadbeef, 10);
    expect(b.has(0xdeadbeef, 10)).toBe(true);
    expect(b.has(0xdeadbeef, 11)).toBe(false);
    expect(b.has(0xdeadbeee, 10)).toBe(false);
  });

  it('a delivery whose body was decoded elsewhere is sent undecoded; the correlator gives the same events', () => {
    const messages = [
      amqp(pub, 'publish', 'nova', 'scheduler', call, 10 * ms, 11 * ms),
      amqp(sub, 'deliver', 'nova', 'scheduler', call, 12 * ms, 13 * ms),
    ];
    const alone = new OsloCorrelator();
    for (const m of messages) alone.message(m);
    const seen = new DecodedBodies(decodedBodiesBuffer());
    const sent = messages.map((m) => fromWorker(m, seen));
    expect(sent[0][1]?.decoded).toBeDefined();
    expect(sent[1][1]?.decoded).toBeUndefined();
    expect(sent[1][0].body.length).toBeGreaterThan(0);
    const parallel = new OsloCorrelator();
    for (const [m, pre] of sent) parallel.message(m, pre);
    expect(JSON.stringify(parallel.end())).toBe(JSON.stringify(alone.end()));
    expect(parallel.counters).toEqual(alone.counters);
  });

  it('the correlator decodes an undecoded delivery it has not seen (its publish replayed later, or never)', () => {
    const seen = new DecodedBodies(decodedBodiesBuffer());
    const publish = amqp(pub, 'publish', 'nova', 'scheduler', call, 10 * ms, 11 * ms);
    const delivery = amqp(sub, 'deliver', 'nova', 'scheduler', call, 12 * ms, 13 * ms);
    fromWorker(publish, seen);
    const [m, pre] = fromWorker(delivery, seen);
    expect(pre?.decoded).toBeUndefined();
    const alone = new OsloCorrelator();
    alone.message(delivery);
    const parallel = new OsloCorrelator();
    parallel.message(m, pre);
    expect(JSON.stringify(parallel.end())).toBe(JSON.stringify(alone.end()));
    expect(parallel.counters).toEqual(alone.counters);
    expect(parallel.counters['call.delivered']).toBe(1);
  });

  it('a publish, and a delivery without a unique id, are always decoded where they were parsed', () => {
    const everySeen = () => true;
    const noUid = { method: 'ping', args: {} };
    expect(osloPredecode(amqp(pub, 'publish', 'nova', 'scheduler', call, 1, 2), everySeen)?.decoded).toBeDefined();
    expect(osloPredecode(amqp(sub, 'deliver', 'nova', 'scheduler', noUid, 1, 2), everySeen)?.decoded).toBeDefined();
  });
});
