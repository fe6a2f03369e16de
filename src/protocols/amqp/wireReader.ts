/**
 * Bounds-checked big-endian reader over one frame payload, with the AMQP 0-9-1 field
 * types. Running past the end throws AmqpDecodeError, which the frame decoder catches
 * and counts: bad bytes never escape as an exception.
 *
 * Field tables follow RabbitMQ's variant of the type letters (its errata to 0-9-1:
 * `s` is a signed 16-bit integer, not a short string); `U` and `L` from the spec's own
 * table are read too. Tables become null-prototype objects, so a key such as
 * `__proto__` is just a key.
 */
import type { AmqpFieldValue } from '../types.js';
import type { ArgType } from './spec.js';

export class AmqpDecodeError extends Error {}

/** Nested tables/arrays deeper than this are refused (stack safety on hostile input). */
const MAX_NESTING = 32;

const utf8 = new TextDecoder('utf-8');

type FieldReader = (r: WireReader, depth: number) => AmqpFieldValue;

// Field value types by type letter; one line each.
const FIELD_TYPES: Record<string, FieldReader> = {
  t: (r) => r.u8() !== 0,
  b: (r) => r.i8(),
  B: (r) => r.u8(),
  s: (r) => r.i16(), // RabbitMQ: short int
  U: (r) => r.i16(), // 0-9-1 spec: short int
  u: (r) => r.u16(),
  I: (r) => r.i32(),
  i: (r) => r.u32(),
  l: (r) => r.i64(),
  L: (r) => r.u64(),
  f: (r) => r.f32(),
  d: (r) => r.f64(),
  D: (r) => r.decimal(),
  S: (r) => r.longstr(),
  x: (r) => r.bytes(r.u32()).slice(),
  A: (r, depth) => r.array(depth + 1),
  T: (r) => r.u64(),
  F: (r, depth) => r.table(depth + 1),
  V: () => null,
};

export class WireReader {
  pos: number;
  /** Bit fields pack into one octet; reset by any non-bit read. */
  private bitByte = 0;
  private bitIndex = 8;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  private need(n: number): number {
    const p = this.pos;
    if (n < 0 || p + n > this.end) throw new AmqpDecodeError(`needs ${n} bytes at ${p}, has ${this.end - p}`);
    this.pos = p + n;
    this.bitIndex = 8;
    return p;
  }

  u8(): number {
    return this.buf[this.need(1)];
  }
  i8(): number {
    return (this.u8() << 24) >> 24;
  }
  u16(): number {
    const p = this.need(2);
    return (this.buf[p] << 8) | this.buf[p + 1];
  }
  i16(): number {
    return (this.u16() << 16) >> 16;
  }
  u32(): number {
    const p = this.need(4);
    const b = this.buf;
    return ((b[p] << 24) >>> 0) + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
  }
  i32(): number {
    return this.u32() | 0;
  }
  /** 64-bit values as a number when exact, else a bigint. */
  u64(): number | bigint {
    const hi = this.u32();
    const lo = this.u32();
    if (hi < 0x200000) return hi * 0x100000000 + lo;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  i64(): number | bigint {
    const hi = this.i32();
    const lo = this.u32();
    if (hi >= -0x200000 && hi < 0x200000) return hi * 0x100000000 + lo;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  f32(): number {
    const p = this.need(4);
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 4).getFloat32(0);
  }
  f64(): number {
    const p = this.need(8);
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 8).getFloat64(0);
  }
  decimal(): number {
    const scale = this.u8();
    const value = this.i32();
    return value / 10 ** scale;
  }
  bit(): boolean {
    if (this.bitIndex >= 8) {
      this.bitByte = this.u8();
      this.bitIndex = 0;
    }
    return ((this.bitByte >> this.bitIndex++) & 1) !== 0;
  }
  /** A view (not a copy) of the next n bytes. */
  bytes(n: number): Uint8Array {
    const p = this.need(n);
    return this.buf.subarray(p, p + n);
  }
  shortstr(): string {
    return utf8.decode(this.bytes(this.u8()));
  }
  longstr(): string {
    return utf8.decode(this.bytes(this.u32()));
  }
  /** Reads past a length-prefixed value without decoding it. */
  skipLongstr(): void {
    this.need(this.u32());
  }
  skipShortstr(): void {
    this.need(this.u8());
  }
  skipTable(): void {
    this.need(this.u32());
  }

  table(depth = 0): { [key: string]: AmqpFieldValue } {
    if (depth > MAX_NESTING) throw new AmqpDecodeError('field table nested too deep');
    const size = this.u32();
    const end = this.need(size) + size;
    const sub = new WireReader(this.buf, end - size, end);
    const out = Object.create(null) as { [key: string]: AmqpFieldValue };
    while (sub.pos < end) {
      const key = sub.shortstr();
      out[key] = sub.fieldValue(depth);
    }
    return out;
  }

  array(depth = 0): AmqpFieldValue[] {
    if (depth > MAX_NESTING) throw new AmqpDecodeError('field array nested too deep');
    const size = this.u32();
    const end = this.need(size) + size;
    const sub = new WireReader(this.buf, end - size, end);
    const out: AmqpFieldValue[] = [];
    while (sub.pos < end) out.push(sub.fieldValue(depth));
    return out;
  }

  fieldValue(depth: number): AmqpFieldValue {
    const letter = String.fromCharCode(this.u8());
    const read = Object.hasOwn(FIELD_TYPES, letter) ? FIELD_TYPES[letter] : undefined;
    if (read === undefined) throw new AmqpDecodeError(`unknown field type 0x${letter.charCodeAt(0).toString(16)}`);
    return read(this, depth);
  }

  /** One method argument or property of the given type. */
  arg(type: ArgType): AmqpFieldValue {
    switch (type) {
      case 'octet':
        return this.u8();
      case 'short':
        return this.u16();
      case 'long':
        return this.u32();
      case 'longlong':
        return this.u64();
      case 'shortstr':
        return this.shortstr();
      case 'longstr':
        return this.longstr();
      case 'bit':
        return this.bit();
      case 'table':
        return this.table();
    }
  }

  /** Reads past an argument without keeping it (reserved fields, credentials). */
  skipArg(type: ArgType): void {
    switch (type) {
      case 'shortstr':
        return this.skipShortstr();
      case 'longstr':
        return this.skipLongstr();
      case 'table':
        return this.skipTable();
      case 'bit':
        this.bit();
        return;
      default:
        this.arg(type);
    }
  }
}
