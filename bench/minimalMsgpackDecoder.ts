/**
 * Benchmark candidate only (bench/msgpack.ts; the parser uses @msgpack/msgpack, see
 * docs/msgpack-choice.md): a small msgpack decoder for what go-msgpack 0.5.5 writes. Maps become objects with a null prototype (no
 * `__proto__` surprises from wire keys), str/raw types become UTF-8 strings, bin becomes a
 * Uint8Array copy, 64-bit integers become a number when exactly representable and a
 * bigint otherwise (Nomad's Unix-nanosecond times), ext becomes `{ extType, data }`.
 *
 * Every length is checked against the bytes left before anything is allocated; bad input
 * ends in a `MsgpackDecodeError` that callers turn into a counted, warned skip.
 */

export class MsgpackDecodeError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
    this.name = 'MsgpackDecodeError';
  }
}

export interface MsgpackExt {
  extType: number;
  data: Uint8Array;
}

const utf8 = new TextDecoder('utf-8');
/** Deeper nesting than this is not a Nomad struct; refuse rather than overflow the stack. */
const maxDepth = 256;

/** Decode exactly one object occupying `buf[start, end)`. */
export function decodeMsgpack(buf: Uint8Array, start = 0, end = buf.length): unknown {
  const r = new Reader(buf, start, end);
  const v = r.value(0);
  if (r.pos !== end) throw new MsgpackDecodeError(`${end - r.pos} extra bytes after the msgpack object`, r.pos);
  return v;
}

class Reader {
  private readonly view: DataView;
  constructor(
    private readonly buf: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (n > this.end - this.pos) {
      throw new MsgpackDecodeError(`msgpack length ${n} exceeds the ${this.end - this.pos} bytes left`, this.pos);
    }
  }

  value(depth: number): unknown {
    this.need(1);
    const t = this.buf[this.pos++];
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 0x100;
    if (t <= 0x8f) return this.map(t & 0x0f, depth);
    if (t <= 0x9f) return this.array(t & 0x0f, depth);
    if (t <= 0xbf) return this.str(t & 0x1f);
    const v = this.view;
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bin(this.u(1));
      case 0xc5:
        return this.bin(this.u(2));
      case 0xc6:
        return this.bin(this.u(4));
      case 0xc7:
        return this.ext(this.u(1));
      case 0xc8:
        return this.ext(this.u(2));
      case 0xc9:
        return this.ext(this.u(4));
      case 0xca:
        this.need(4);
        this.pos += 4;
        return v.getFloat32(this.pos - 4);
      case 0xcb:
        this.need(8);
        this.pos += 8;
        return v.getFloat64(this.pos - 8);
      case 0xcc:
        return this.u(1);
      case 0xcd:
        return this.u(2);
      case 0xce:
        return this.u(4);
      case 0xcf: {
        this.need(8);
        const x = v.getBigUint64(this.pos);
        this.pos += 8;
        return x <= maxSafe ? Number(x) : x;
      }
      case 0xd0:
        this.need(1);
        return v.getInt8(this.pos++);
      case 0xd1:
        this.need(2);
        this.pos += 2;
        return v.getInt16(this.pos - 2);
      case 0xd2:
        this.need(4);
        this.pos += 4;
        return v.getInt32(this.pos - 4);
      case 0xd3: {
        this.need(8);
        const x = v.getBigInt64(this.pos);
        this.pos += 8;
        return x <= maxSafe && x >= minSafe ? Number(x) : x;
      }
      case 0xd4:
        return this.ext(1);
      case 0xd5:
        return this.ext(2);
      case 0xd6:
        return this.ext(4);
      case 0xd7:
        return this.ext(8);
      case 0xd8:
        return this.ext(16);
      case 0xd9:
        return this.str(this.u(1));
      case 0xda:
        return this.str(this.u(2));
      case 0xdb:
        return this.str(this.u(4));
      case 0xdc:
        return this.array(this.u(2), depth);
      case 0xdd:
        return this.array(this.u(4), depth);
      case 0xde:
        return this.map(this.u(2), depth);
      case 0xdf:
        return this.map(this.u(4), depth);
      default:
        throw new MsgpackDecodeError(`invalid msgpack type byte 0x${t.toString(16)}`, this.pos - 1);
    }
  }

  private u(n: 1 | 2 | 4): number {
    this.need(n);
    const p = this.pos;
    this.pos += n;
    if (n === 1) return this.buf[p];
    if (n === 2) return (this.buf[p] << 8) | this.buf[p + 1];
    return this.view.getUint32(p);
  }

  private str(n: number): string {
    this.need(n);
    const b = this.buf;
    const p = this.pos;
    this.pos += n;
    // Short ASCII (keys, ids, enum values) is most of a Nomad body: skip TextDecoder's call cost.
    if (n <= 32) {
      let s = '';
      for (let i = p; i < p + n; i++) {
        const c = b[i];
        if (c >= 0x80) return utf8.decode(b.subarray(p, p + n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(b.subarray(p, p + n));
  }

  private bin(n: number): Uint8Array {
    this.need(n);
    this.pos += n;
    return this.buf.slice(this.pos - n, this.pos);
  }

  private ext(n: number): MsgpackExt {
    this.need(1 + n);
    const extType = this.view.getInt8(this.pos);
    this.pos += 1 + n;
    return { extType, data: this.buf.slice(this.pos - n, this.pos) };
  }

  private array(n: number, depth: number): unknown[] {
    // Each item takes at least one byte: a count beyond the bytes left is a lie, not a size.
    this.need(n);
    if (depth >= maxDepth) throw new MsgpackDecodeError('msgpack nesting too deep', this.pos);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
    return out;
  }

  private map(n: number, depth: number): Record<string, unknown> {
    this.need(2 * n);
    if (depth >= maxDepth) throw new MsgpackDecodeError('msgpack nesting too deep', this.pos);
    const out = Object.create(null) as Record<string, unknown>;
    for (let i = 0; i < n; i++) {
      const k = this.value(depth + 1);
      out[typeof k === 'string' ? k : String(k)] = this.value(depth + 1);
    }
    return out;
  }
}

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);
const minSafe = BigInt(Number.MIN_SAFE_INTEGER);
