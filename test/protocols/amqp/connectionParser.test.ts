import { describe, expect, it } from 'vitest';
import {
  PROTOCOL_HEADER,
  bodyFrame,
  cat,
  contentHeader,
  deliverMethod,
  dump,
  feed,
  field,
  frame,
  heartbeat,
  longstr,
  method,
  publish,
  publishMethod,
  run,
  shortstr,
  table,
  text,
  u16,
  u32,
  u64,
  u8,
} from './amqpWire.js';

const startOk = (user: string, password: string) =>
  method(
    0,
    10,
    11,
    cat(
      table([['product', field('S', longstr('py-amqp'))]]),
      shortstr('PLAIN'),
      longstr(`\0${user}\0${password}`),
      shortstr('en_US'),
    ),
  );
const start = method(
  0,
  10,
  10,
  cat(u8(0), u8(9), table([['product', field('S', longstr('RabbitMQ'))]]), longstr('AMQPLAIN PLAIN'), longstr('en_US')),
);
const tune = (frameMax: number) => method(0, 10, 30, cat(u16(2047), u32(frameMax), u16(60)));
const tuneOk = (frameMax: number) => method(0, 10, 31, cat(u16(2047), u32(frameMax), u16(60)));

describe('AmqpConnectionParser: handshake', () => {
  it('names every method from the spec table and decodes Tune / Open arguments', () => {
    const r = run();
    feed(r, 0, PROTOCOL_HEADER, 1);
    feed(r, 1, start, 2);
    feed(r, 0, startOk('vimo', 'hunter2-secret'), 3);
    feed(r, 1, tune(131072), 4);
    feed(r, 0, cat(tuneOk(131072), method(0, 10, 40, cat(shortstr('/'), shortstr(''), u8(0)))), 5);
    feed(r, 1, method(0, 10, 41, shortstr('')), 6);
    feed(r, 0, method(1, 20, 10, shortstr('')), 7);
    feed(r, 1, method(1, 20, 11, longstr('')), 8);
    expect(r.methods.map((m) => [m.dir, m.channel, m.name, m.ts])).toEqual([
      [1, 0, 'Connection.Start', 2],
      [0, 0, 'Connection.Start-Ok', 3],
      [1, 0, 'Connection.Tune', 4],
      [0, 0, 'Connection.Tune-Ok', 5],
      [0, 0, 'Connection.Open', 5],
      [1, 0, 'Connection.Open-Ok', 6],
      [0, 1, 'Channel.Open', 7],
      [1, 1, 'Channel.Open-Ok', 8],
    ]);
    expect({ ...r.methods[2].args }).toEqual({ channelMax: 2047, frameMax: 131072, heartbeat: 60 });
    expect(r.methods[4].args.virtualHost).toBe('/');
    expect(r.amqp('protocolHeaders')).toBe(1);
    expect(r.amqp('methods.Connection.Tune-Ok')).toBe(1);
  });

  it('never keeps the PLAIN credentials of Connection.Start-Ok', () => {
    const r = run();
    const password = 'rmqGnSoHnIHjqjzIG1Q2TZS';
    feed(r, 0, PROTOCOL_HEADER, 1);
    // Byte by byte as well as whole, so no partial buffer leaks either.
    for (const b of startOk('vimo', password)) feed(r, 0, Uint8Array.of(b), 2);
    feed(r, 0, startOk('vimo', password), 3);
    expect(r.methods.map((m) => m.name)).toEqual(['Connection.Start-Ok', 'Connection.Start-Ok']);
    expect(r.methods[0].args.mechanism).toBe('PLAIN');
    expect(r.methods[0].args.locale).toBe('en_US');
    expect(r.methods[0].args).not.toHaveProperty('response');
    const all = dump({ methods: r.methods, messages: r.messages, warnings: r.warnings, counters: r.ctx.counters });
    expect(all).not.toContain(password);
    expect(all).not.toContain('vimo');
  });
});

describe('AmqpConnectionParser: content assembly', () => {
  it('assembles a body split across many frames, interleaved across channels, with heartbeats between frames', () => {
    const r = run();
    const bodyA = 'A'.repeat(10) + 'B'.repeat(10) + 'C'.repeat(5);
    const bodyB = '{"x": 1}';
    feed(r, 0, PROTOCOL_HEADER, 1);
    feed(r, 0, publishMethod(1, 'nova', 'conductor'), 10);
    feed(r, 0, contentHeader(1, bodyA.length, 0x8000, shortstr('application/json')), 11);
    feed(r, 0, bodyFrame(1, bodyA.slice(0, 10)), 12);
    feed(r, 0, heartbeat(), 13);
    feed(r, 0, publishMethod(2, '', 'reply_abc'), 14);
    feed(r, 0, cat(contentHeader(2, bodyB.length), bodyFrame(2, bodyB.slice(0, 3))), 15);
    feed(r, 0, bodyFrame(1, bodyA.slice(10, 20)), 16);
    feed(r, 0, cat(bodyFrame(2, bodyB.slice(3)), heartbeat()), 17);
    feed(r, 0, bodyFrame(1, bodyA.slice(20)), 18);
    expect(
      r.messages.map((m) => [
        m.channel,
        m.method,
        m.exchange,
        m.routingKey,
        text(m.body),
        m.bodySize,
        m.firstByte,
        m.lastByte,
      ]),
    ).toEqual([
      [2, 'Basic.Publish', '', 'reply_abc', bodyB, 8, 14, 17],
      [1, 'Basic.Publish', 'nova', 'conductor', bodyA, 25, 10, 18],
    ]);
    expect(r.messages[1].properties.contentType).toBe('application/json');
    expect(r.messages[1].bodyTruncated).toBe(false);
    expect(r.amqp('frames.heartbeat')).toBe(2);
    expect(r.amqp('frames.body')).toBe(5);
    expect(r.amqp('messages')).toBe(2);
  });

  it('decodes Basic.Deliver arguments', () => {
    const r = run();
    feed(
      r,
      1,
      cat(deliverMethod(3, 'ctag-1', 42, true, 'nova', 'compute.compute1'), contentHeader(3, 2), bodyFrame(3, 'hi')),
      5,
    );
    expect(r.messages).toHaveLength(1);
    const m = r.messages[0];
    expect([m.dir, m.method, m.consumerTag, m.deliveryTag, m.exchange, m.routingKey, text(m.body)]).toEqual([
      1,
      'Basic.Deliver',
      'ctag-1',
      42,
      'nova',
      'compute.compute1',
      'hi',
    ]);
    expect(r.methods[0].args.redelivered).toBe(true);
  });

  it('emits an empty-bodied message at its content header', () => {
    const r = run();
    feed(r, 0, cat(PROTOCOL_HEADER, publishMethod(1, 'x', 'y'), contentHeader(1, 0)), 3);
    expect(r.messages.map((m) => [m.bodySize, m.body.length, m.lastByte])).toEqual([[0, 0, 3]]);
  });

  it('bounds the kept body by maxBodyBytes and says so', () => {
    const r = run({ maxBodyBytes: 10 });
    feed(r, 0, cat(PROTOCOL_HEADER, publish(1, 'x', 'y', '0123456789abcdefghijklmno', 7)), 1);
    expect(r.messages.map((m) => [text(m.body), m.bodySize, m.bodyTruncated])).toEqual([['0123456789', 25, true]]);
    expect(r.amqp('bodyTruncated')).toBe(1);
  });

  it('decodes every content property, headers as a field table', () => {
    const r = run();
    const flags = 0xfff8 | 0x0004; // all 13 properties plus the reserved cluster-id
    const props = cat(
      shortstr('application/json'),
      shortstr('utf-8'),
      table([['k', field('S', longstr('v'))]]),
      u8(2),
      u8(5),
      shortstr('corr'),
      shortstr('reply_q'),
      shortstr('60000'),
      shortstr('mid'),
      u64(1700000000),
      shortstr('t'),
      shortstr('guest'),
      shortstr('app'),
      shortstr('cluster'),
    );
    feed(
      r,
      0,
      cat(PROTOCOL_HEADER, publishMethod(1, 'x', 'y'), contentHeader(1, 1, flags, props), bodyFrame(1, 'z')),
      1,
    );
    const p = r.messages[0].properties;
    expect({ ...p, headers: { ...p.headers } }).toEqual({
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: { k: 'v' },
      deliveryMode: 2,
      priority: 5,
      correlationId: 'corr',
      replyTo: 'reply_q',
      expiration: '60000',
      messageId: 'mid',
      timestamp: 1700000000,
      type: 't',
      userId: 'guest',
      appId: 'app',
    });
  });

  it('keeps a `__proto__` header key as data, without polluting any prototype', () => {
    const r = run();
    const headers = table([
      ['__proto__', field('F', table([['polluted', field('t', u8(1))]]))],
      ['constructor', field('S', longstr('c'))],
    ]);
    feed(
      r,
      0,
      cat(PROTOCOL_HEADER, publishMethod(1, 'x', 'y'), contentHeader(1, 1, 0x2000, headers), bodyFrame(1, 'z')),
      1,
    );
    const h = r.messages[0].properties.headers!;
    expect(Object.getPrototypeOf(h)).toBe(null);
    expect(Object.keys(h)).toEqual(['__proto__', 'constructor']);
    expect({ ...(h['__proto__'] as object) }).toEqual({ polluted: true });
    expect(h.constructor).toBe('c');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('every split offset of a publish gives the same message, with the times of the chunks that carried its ends', () => {
    const body = '{"oslo.version": "2.0", "oslo.message": "{}"}';
    const wire = cat(PROTOCOL_HEADER, publish(1, 'nova', 'scheduler', body, 16));
    for (let k = 0; k <= wire.length; k++) {
      const r = run();
      feed(r, 0, wire.subarray(0, k), 100);
      feed(r, 0, wire.subarray(k), 200);
      const first = k > PROTOCOL_HEADER.length ? 100 : 200;
      const last = k === wire.length ? 100 : 200;
      expect(
        r.messages.map((m) => [m.routingKey, text(m.body), m.firstByte, m.lastByte]),
        `split at ${k}`,
      ).toEqual([['scheduler', body, first, last]]);
      expect(r.warnings, `split at ${k}`).toEqual([]);
    }
  });

  it('byte-by-byte feeding gives the same messages, each byte stamped with its own time', () => {
    const p1 = publish(1, 'a', 'b', 'x'.repeat(300), 100);
    const p2 = publish(5, 'c', 'd', 'hello');
    const wire = cat(PROTOCOL_HEADER, p1, heartbeat(), p2);
    const r = run();
    wire.forEach((b, i) => feed(r, 0, Uint8Array.of(b), i));
    const p2Start = 8 + p1.length + 8;
    expect(r.messages.map((m) => [m.channel, text(m.body), m.firstByte, m.lastByte])).toEqual([
      [1, 'x'.repeat(300), 8, 8 + p1.length - 1],
      [5, 'hello', p2Start, p2Start + p2.length - 1],
    ]);
  });
});

describe('AmqpConnectionParser: limits and bad input', () => {
  it('counts a frame larger than the negotiated frame-max without allocating it, and skips the connection', () => {
    const r = run();
    feed(r, 0, PROTOCOL_HEADER, 1);
    feed(r, 1, tune(4096), 2);
    feed(r, 0, tuneOk(4096), 3);
    feed(r, 0, publish(1, 'x', 'ok', 'small'), 4);
    // Claims 4089 bytes of payload: 4089 + 8 > 4096. Only the header is sent.
    feed(r, 0, cat(publishMethod(1, 'x', 'big'), contentHeader(1, 10000), u8(3), u16(1), u32(4089)), 5);
    feed(r, 0, publish(1, 'x', 'after', 'ignored'), 6);
    feed(r, 1, deliverMethod(1, 't', 1, false, 'x', 'after'), 7);
    expect(r.messages.map((m) => m.routingKey)).toEqual(['ok']);
    expect(r.amqp('oversizeFrames')).toBe(1);
    expect(r.amqp('skippedConnections')).toBe(1);
    expect(r.warnings.map((w) => w.message).join('\n')).toMatch(/exceeds frame-max 4096/);
  });

  it('a frame of exactly frame-max is fine', () => {
    const r = run();
    feed(r, 0, cat(PROTOCOL_HEADER, tuneOk(4096)), 1);
    feed(r, 0, publish(1, 'x', 'y', 'z'.repeat(4088)), 2);
    expect(r.messages.map((m) => m.bodySize)).toEqual([4088]);
  });

  it('bounds frames by ctx.limits.maxFrameBytes before any Tune is seen', () => {
    const r = run({ maxFrameBytes: 1000 });
    feed(r, 0, cat(PROTOCOL_HEADER, u8(3), u16(1), u32(0x7ffffff0)), 1);
    expect(r.amqp('oversizeFrames')).toBe(1);
  });

  it('survives garbage on port 5672 and counts it', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const garbage = Uint8Array.from({ length: 200_000 }, rand);
    const r = run();
    for (let o = 0; o < garbage.length; o += 1460) {
      feed(r, 0, garbage.subarray(o, o + 1460), o);
      feed(r, 1, garbage.subarray(o, o + 1460), o);
    }
    r.parser.end(0, 1, 'fin');
    r.parser.end(1, 1, 'fin');
    expect(r.messages).toEqual([]);
    expect(r.amqp('noProtocolHeader')).toBe(1);
    expect(r.amqp('bytesSkipped')).toBeGreaterThan(2 * garbage.length * 0.9);
    expect(r.warnings.length).toBeLessThanOrEqual(20);
  });

  it('resynchronises when the stream starts mid-frame, counting the skipped bytes', () => {
    const a = publish(1, 'nova', 'first', 'body-of-a');
    const b = publish(1, 'nova', 'second', 'body-of-b');
    const c = publish(2, 'nova', 'third', 'body-of-c');
    const methodLen = publishMethod(1, 'nova', 'first').length;
    const r = run();
    r.parser.gap(0, -1, 0);
    // Starts 5 bytes into A's method frame: the rest of it is skipped; A's header and
    // body frames are valid frames but belong to a message whose method was lost.
    feed(r, 0, cat(a.subarray(5), b), 1);
    feed(r, 0, c, 2);
    expect(r.messages.map((m) => m.routingKey)).toEqual(['second', 'third']);
    expect(r.amqp('bytesSkipped')).toBe(methodLen - 5);
    expect(r.amqp('resyncs')).toBe(1);
    expect(r.amqp('orphanHeaderFrames')).toBe(1);
    expect(r.amqp('orphanBodyFrames')).toBe(1);
  });

  it('resynchronises when the stream starts inside a body, waiting for the next header to confirm', () => {
    const a = publish(1, 'nova', 'first', 'x'.repeat(500));
    const b = publish(1, 'nova', 'second', 'y'.repeat(50));
    const r = run();
    r.parser.gap(0, -1, 0);
    const start = a.length - 200;
    // Deliver in small pieces, so candidates must wait for the bytes that confirm them.
    const rest = cat(a.subarray(start), b, heartbeat());
    for (let o = 0; o < rest.length; o += 9) feed(r, 0, rest.subarray(o, o + 9), o);
    expect(r.messages.map((m) => [m.routingKey, m.body.length])).toEqual([['second', 50]]);
    expect(r.amqp('bytesSkipped')).toBe(200);
  });

  it('accepts a lone frame at the end of a stream that started mid-connection', () => {
    const r = run();
    r.parser.gap(1, -1, 0);
    feed(r, 1, heartbeat(), 1);
    expect(r.amqp('frames.heartbeat')).toBe(0); // not confirmed yet: more data may follow
    r.parser.end(1, 2, 'fin');
    expect([r.amqp('frames.heartbeat'), r.amqp('bytesSkipped'), r.amqp('resyncs')]).toEqual([1, 0, 1]);
  });

  it('discards a message that a gap cut, and finds the frames after the gap', () => {
    const a = publish(1, 'nova', 'cut', 'a'.repeat(100), 40);
    const b = publish(1, 'nova', 'whole', 'b'.repeat(10));
    const r = run();
    feed(r, 0, PROTOCOL_HEADER, 0);
    feed(r, 0, a.subarray(0, 70), 1);
    r.parser.gap(0, 30, 2);
    feed(r, 0, cat(a.subarray(100), b), 3);
    expect(r.messages.map((m) => m.routingKey)).toEqual(['whole']);
    expect(r.amqp('contentDiscarded')).toBe(1);
    expect(r.amqp('resyncs')).toBe(1);
  });

  it('counts a bad frame-end and resynchronises on the next frame', () => {
    const bad = publishMethod(1, 'x', 'lost');
    bad[bad.length - 1] = 0x00;
    const r = run();
    feed(r, 0, cat(PROTOCOL_HEADER, bad, publish(1, 'x', 'kept', 'k'), heartbeat()), 1);
    expect(r.messages.map((m) => m.routingKey)).toEqual(['kept']);
    expect(r.amqp('badFrameEnd')).toBe(1);
  });

  it('counts frames by type and methods by name', () => {
    const r = run();
    const ack = method(1, 60, 80, cat(u64(7), u8(0)));
    feed(r, 1, cat(deliverMethod(1, 't', 7, false, 'e', 'k'), contentHeader(1, 1), bodyFrame(1, 'z'), heartbeat()), 1);
    feed(r, 0, cat(PROTOCOL_HEADER, ack, ack, method(1, 99, 1)), 2);
    expect(r.ctx.counters.amqp).toMatchObject({
      'frames.method': 4,
      'frames.header': 1,
      'frames.body': 1,
      'frames.heartbeat': 1,
      'methods.Basic.Deliver': 1,
      'methods.Basic.Ack': 2,
      'methods.unknown.99.1': 1,
      messages: 1,
    });
    expect(r.methods.filter((m) => m.name === 'Basic.Ack').map((m) => m.args.deliveryTag)).toEqual([7, 7]);
  });

  it('a truncated method frame is counted, not thrown', () => {
    const r = run();
    // Basic.Deliver claiming a 200-byte consumer tag in a 10-byte payload.
    feed(r, 1, frame(1, 1, cat(u16(60), u16(60), u8(200), u8(1), u8(2), u8(3), u8(4), u8(5))), 1);
    expect(r.amqp('badMethodArgs')).toBe(1);
  });
});
