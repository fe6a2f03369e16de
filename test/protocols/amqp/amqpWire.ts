/**
 * Test helpers: build AMQP 0-9-1 wire bytes by hand (independent of the parser's tables),
 * and a collector that runs an AmqpConnectionParser and records what it emits.
 */
import { AmqpConnectionParser } from '../../../src/protocols/amqp/connectionParser.js';
import type { ConnectionInfo, Direction } from '../../../src/net/types.js';
import type {
  AmqpMessage,
  AmqpMethod,
  ProtocolContext,
  ProtocolLimits,
  ProtocolWarning,
} from '../../../src/protocols/types.js';
import { defaultProtocolLimits } from '../../../src/protocols/types.js';

const enc = new TextEncoder();

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const u8 = (v: number) => Uint8Array.of(v & 0xff);
export const u16 = (v: number) => Uint8Array.of((v >> 8) & 0xff, v & 0xff);
export const u32 = (v: number) => Uint8Array.of((v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
export const u64 = (v: number) => cat(u32(Math.floor(v / 2 ** 32)), u32(v % 2 ** 32));
export const shortstr = (s: string) => {
  const b = enc.encode(s);
  return cat(u8(b.length), b);
};
export const longstr = (s: string | Uint8Array) => {
  const b = typeof s === 'string' ? enc.encode(s) : s;
  return cat(u32(b.length), b);
};
/** A field table from already-encoded `[key, typeLetter + value bytes]` entries. */
export const table = (entries: Array<[string, Uint8Array]>) => {
  const body = cat(...entries.map(([k, v]) => cat(shortstr(k), v)));
  return cat(u32(body.length), body);
};
export const field = (letter: string, value: Uint8Array) => cat(enc.encode(letter), value);

export const PROTOCOL_HEADER = Uint8Array.of(0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1);

export function frame(type: number, channel: number, payload: Uint8Array, end = 0xce): Uint8Array {
  return cat(u8(type), u16(channel), u32(payload.length), payload, u8(end));
}
export const method = (channel: number, classId: number, methodId: number, args: Uint8Array = new Uint8Array(0)) =>
  frame(1, channel, cat(u16(classId), u16(methodId), args));
export const heartbeat = () => frame(8, 0, new Uint8Array(0));

/** Content header: class 60, weight 0, body size, property flags, property bytes. */
export const contentHeader = (channel: number, bodySize: number, flags = 0, props: Uint8Array = new Uint8Array(0)) =>
  frame(2, channel, cat(u16(60), u16(0), u64(bodySize), u16(flags), props));
export const bodyFrame = (channel: number, body: Uint8Array | string) =>
  frame(3, channel, typeof body === 'string' ? enc.encode(body) : body);

export const publishMethod = (channel: number, exchange: string, routingKey: string) =>
  method(channel, 60, 40, cat(u16(0), shortstr(exchange), shortstr(routingKey), u8(0)));
export const deliverMethod = (
  channel: number,
  consumerTag: string,
  deliveryTag: number,
  redelivered: boolean,
  exchange: string,
  routingKey: string,
) =>
  method(
    channel,
    60,
    60,
    cat(shortstr(consumerTag), u64(deliveryTag), u8(redelivered ? 1 : 0), shortstr(exchange), shortstr(routingKey)),
  );

/** A whole publish: method, header (content-type application/json), body in frames of at most `frameBody` bytes. */
export function publish(
  channel: number,
  exchange: string,
  routingKey: string,
  body: string,
  frameBody = 1 << 20,
): Uint8Array {
  const b = enc.encode(body);
  const frames: Uint8Array[] = [
    publishMethod(channel, exchange, routingKey),
    contentHeader(channel, b.length, 0x8000, shortstr('application/json')),
  ];
  for (let o = 0; o < b.length; o += frameBody) frames.push(bodyFrame(channel, b.subarray(o, o + frameBody)));
  return cat(...frames);
}

export const conn: ConnectionInfo = {
  id: 7,
  client: { ip: '10.0.0.1', port: 40000 },
  server: { ip: '10.0.0.4', port: 5672 },
  sawSyn: true,
  startTs: 0,
};

export interface Run {
  parser: AmqpConnectionParser;
  ctx: ProtocolContext;
  methods: AmqpMethod[];
  messages: AmqpMessage[];
  warnings: ProtocolWarning[];
  amqp(name: string): number;
}

export function run(limits: Partial<ProtocolLimits> = {}): Run {
  const warnings: ProtocolWarning[] = [];
  const ctx: ProtocolContext = {
    counters: {},
    warn: (w) => warnings.push(w),
    limits: { ...defaultProtocolLimits, ...limits },
  };
  const methods: AmqpMethod[] = [];
  const messages: AmqpMessage[] = [];
  const parser = new AmqpConnectionParser(
    conn,
    { method: (m) => methods.push(m), message: (m) => messages.push(m) },
    ctx,
  );
  return { parser, ctx, methods, messages, warnings, amqp: (name) => ctx.counters.amqp?.[name] ?? 0 };
}

export function feed(r: Run, dir: Direction, bytes: Uint8Array, ts: number): void {
  r.parser.data(dir, bytes, ts);
}

export const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** JSON of anything the parser emitted, bytes as text too, so a secret cannot hide in a body. */
export function dump(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? text(v) : v,
  );
}
