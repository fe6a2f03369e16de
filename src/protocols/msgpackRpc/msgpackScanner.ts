/**
 * Finds where msgpack objects end in a growing buffer without decoding them.
 *
 * msgpack carries no outer length, so a stream decoder must know when a whole object has
 * arrived before decoding it. Skipping needs no stack: a container of n items just adds n
 * (or 2n for a map) to the count of objects still to skip, so the state is two numbers and
 * scanning resumes where it stopped when more bytes arrive (no rescans of large bodies).
 *
 * Every length read is bounded by `maxBytes` (the most bytes one message may span): a
 * length that cannot fit, such as a str32 of 2^32, is an error, never an allocation or a
 * wait for bytes that will not come.
 */

/** Byte size of the fixed part after the type byte, and how to read a variable length. */
interface TypeShape {
  /** Bytes after the type byte before the payload (length field, ext type). */
  head: number;
  /** Bytes of the big-endian length field within `head` (0: fixed size). */
  lenBytes: 0 | 1 | 2 | 4;
  /** Fixed payload size (when lenBytes is 0). */
  fixed: number;
  /** What the length counts: payload bytes, array items or map entries. */
  counts: 'bytes' | 'items' | 'entries';
}

const b = (head: number, lenBytes: 0 | 1 | 2 | 4, fixed = 0): TypeShape => ({ head, lenBytes, fixed, counts: 'bytes' });

/** Types 0xc0–0xdf (the ranges below and above are fixint/fixmap/fixarray/fixstr). */
const shapes: Record<number, TypeShape | undefined> = {
  0xc0: b(0, 0), // nil
  0xc2: b(0, 0), // false
  0xc3: b(0, 0), // true
  0xc4: b(1, 1), // bin8
  0xc5: b(2, 2), // bin16
  0xc6: b(4, 4), // bin32
  0xc7: b(2, 1), // ext8: len, type
  0xc8: b(3, 2), // ext16
  0xc9: b(5, 4), // ext32
  0xca: b(0, 0, 4), // float32
  0xcb: b(0, 0, 8), // float64
  0xcc: b(0, 0, 1), // uint8
  0xcd: b(0, 0, 2),
  0xce: b(0, 0, 4),
  0xcf: b(0, 0, 8),
  0xd0: b(0, 0, 1), // int8
  0xd1: b(0, 0, 2),
  0xd2: b(0, 0, 4),
  0xd3: b(0, 0, 8),
  0xd4: b(0, 0, 2), // fixext1: type + 1
  0xd5: b(0, 0, 3),
  0xd6: b(0, 0, 5),
  0xd7: b(0, 0, 9),
  0xd8: b(0, 0, 17),
  0xd9: b(1, 1), // str8
  0xda: b(2, 2), // str16
  0xdb: b(4, 4), // str32
  0xdc: { head: 2, lenBytes: 2, fixed: 0, counts: 'items' }, // array16
  0xdd: { head: 4, lenBytes: 4, fixed: 0, counts: 'items' },
  0xde: { head: 2, lenBytes: 2, fixed: 0, counts: 'entries' }, // map16
  0xdf: { head: 4, lenBytes: 4, fixed: 0, counts: 'entries' },
};

export type ScanResult = 'done' | 'more' | { error: string; at: number };

/**
 * Skips `objects` whole msgpack objects starting at `start`. Call `scan` again with the
 * same (grown) buffer after more bytes arrive; `end` tells where the last one finished.
 */
export class MsgpackObjectScanner {
  /** Offset of the next unread byte (valid after 'done': the end of the objects). */
  pos = 0;
  private pending = 0;
  private maxBytes = 0;
  private start = 0;

  reset(start: number, objects: number, maxBytes: number): void {
    this.pos = start;
    this.start = start;
    this.pending = objects;
    this.maxBytes = maxBytes;
  }

  /** The buffer dropped its first `n` bytes: move the saved offsets with it. */
  shift(n: number): void {
    this.pos -= n;
    this.start -= n;
  }

  /** Scan `buf[pos, end)`. */
  scan(buf: Uint8Array, end: number): ScanResult {
    let pos = this.pos;
    let pending = this.pending;
    const limit = this.start + this.maxBytes;
    while (pending > 0) {
      if (pos >= end) break;
      const t = buf[pos];
      let size: number; // bytes of this object's own encoding (not its children)
      let children = 0;
      if (t <= 0x7f || t >= 0xe0) size = 1;
      else if (t <= 0x8f) {
        size = 1;
        children = 2 * (t & 0x0f);
      } else if (t <= 0x9f) {
        size = 1;
        children = t & 0x0f;
      } else if (t <= 0xbf) size = 1 + (t & 0x1f);
      else {
        const shape = shapes[t];
        if (!shape) return this.fail(`invalid msgpack type byte 0x${t.toString(16)}`, pos);
        if (shape.lenBytes === 0) size = 1 + shape.fixed;
        else {
          if (pos + 1 + shape.lenBytes > end) break;
          const n = readLength(buf, pos + 1, shape.lenBytes);
          if (shape.counts === 'bytes') {
            size = 1 + shape.head + n;
            if (pos + size > limit)
              return this.fail(`msgpack length ${n} exceeds the ${this.maxBytes}-byte message bound`, pos);
          } else {
            size = 1 + shape.head;
            children = shape.counts === 'entries' ? 2 * n : n;
          }
        }
      }
      // Every child takes at least one byte, so a count beyond the bound cannot be real.
      if (children > 0 && pending - 1 + children > limit - (pos + size)) {
        return this.fail(`msgpack container of ${children} items exceeds the ${this.maxBytes}-byte message bound`, pos);
      }
      if (pos + size > limit) return this.fail(`msgpack message exceeds the ${this.maxBytes}-byte bound`, pos);
      if (pos + size > end) break;
      pos += size;
      pending += children - 1;
    }
    this.pos = pos;
    this.pending = pending;
    return pending === 0 ? 'done' : 'more';
  }

  private fail(error: string, at: number): ScanResult {
    this.pending = 0;
    return { error, at };
  }
}

function readLength(buf: Uint8Array, at: number, bytes: 1 | 2 | 4): number {
  if (bytes === 1) return buf[at];
  if (bytes === 2) return (buf[at] << 8) | buf[at + 1];
  return ((buf[at] << 24) >>> 0) + (buf[at + 1] << 16) + (buf[at + 2] << 8) + buf[at + 3];
}
