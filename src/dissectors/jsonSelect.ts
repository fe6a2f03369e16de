/**
 * The few fields a dissector reads from a JSON body, without parsing the rest. A shape
 * names them, as for msgpack (MsgpackSelector):
 *   - `true`: a scalar (string, number, boolean, null);
 *   - `'any'`: the value whatever it is (objects and arrays parsed whole, by JSON.parse);
 *   - `'present'`: `true` for a member that is there, whatever its value (not decoded);
 *   - `{ key: shape, … }`: an object, only these members;
 *   - `[shape]`: an array, each item with that shape.
 * Everything else is stepped over (strings found by searching for their closing quote),
 * so a 20 kB allocation with its embedded Job costs a scan, not a tree of objects.
 *
 * What comes out is what JSON.parse would give a reader for those keys: a later duplicate
 * key wins; a value whose type does not fit its shape (an object where a scalar is asked
 * for, a string where an object is) is undefined — left out of its object, or an undefined
 * item of its array. The check of the rest is structural only (brackets, quotes, what may
 * follow the value): a body JSON.parse would refuse for a subtler reason (a bad number
 * inside a skipped subtree) may still give its fields.
 */
import { latin1Text } from '../bytes/latin1.js';

export type JsonScalar = string | number | boolean | null;
export type JsonShape = true | 'any' | 'present' | readonly [JsonShape] | { readonly [key: string]: JsonShape };

const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  COLON = 0x3a,
  COMMA = 0x2c;
const OPEN_OBJ = 0x7b,
  CLOSE_OBJ = 0x7d,
  OPEN_ARR = 0x5b,
  CLOSE_ARR = 0x5d;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

const utf8 = new TextDecoder('utf-8', { fatal: false });

class NotJson extends Error {}

/**
 * The parts of `body` that `shape` names: `{ value }` (value undefined when the top-level
 * value does not fit the shape), or null when the body is not JSON.
 */
export function jsonSelect(body: Uint8Array, shape: JsonShape): { value: unknown } | null {
  try {
    const scanner = new JsonSelector(body);
    const value = scanner.value(shape);
    if (scanner.peek() !== -1) return null;
    return { value };
  } catch (e) {
    if (e instanceof NotJson) return null;
    throw e;
  }
}

/** Member names compared as bytes: no string is made for a member that is not wanted. */
const keyBytes = new WeakMap<object, { name: string; bytes: Uint8Array; shape: JsonShape }[]>();
function membersOf(shape: {
  readonly [key: string]: JsonShape;
}): { name: string; bytes: Uint8Array; shape: JsonShape }[] {
  let m = keyBytes.get(shape);
  if (m === undefined)
    keyBytes.set(
      shape,
      (m = Object.entries(shape).map(([name, s]) => ({ name, bytes: Buffer.from(name, 'utf8'), shape: s }))),
    );
  return m;
}

class JsonSelector {
  private pos = 0;

  constructor(private readonly b: Uint8Array) {}

  /** The value at the cursor read with `shape` (consumed). */
  value(shape: JsonShape): unknown {
    const c = this.peek();
    if (shape === true) return this.scalarOrSkip();
    if (shape === 'present') {
      this.skipValue();
      return true;
    }
    if (shape === 'any') return this.whole();
    if (Array.isArray(shape)) {
      if (c !== OPEN_ARR) return this.skipped();
      this.pos++;
      return this.array(shape[0] as JsonShape);
    }
    if (c !== OPEN_OBJ) return this.skipped();
    this.pos++;
    return this.object(shape as { readonly [key: string]: JsonShape });
  }

  /** The value at the cursor, parsed whole. */
  private whole(): unknown {
    const c = this.peek();
    if (c !== OPEN_OBJ && c !== OPEN_ARR) return this.scalarOrSkip();
    const start = this.pos;
    this.skipValue();
    try {
      return JSON.parse(utf8.decode(this.b.subarray(start, this.pos)));
    } catch {
      throw new NotJson();
    }
  }

  private skipped(): undefined {
    this.skipValue();
    return undefined;
  }

  /** Next non-space byte (consumed), or -1 at the end. */
  private next(): number {
    const c = this.peek();
    if (c !== -1) this.pos++;
    return c;
  }

  peek(): number {
    const b = this.b;
    while (this.pos < b.length && isSpace(b[this.pos])) this.pos++;
    return this.pos < b.length ? b[this.pos] : -1;
  }

  /** After `{`: the wanted members of this object. */
  private object(shape: { readonly [key: string]: JsonShape }): Record<string, unknown> {
    const members = membersOf(shape);
    const out: Record<string, unknown> = {};
    if (this.peek() === CLOSE_OBJ) {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.next() !== QUOTE) throw new NotJson();
      const keyStart = this.pos;
      const keyEnd = this.stringEnd();
      const member = this.wanted(members, keyStart, keyEnd);
      if (this.next() !== COLON) throw new NotJson();
      if (member === null) this.skipValue();
      else {
        const v = this.value(member.shape);
        if (v === undefined) delete out[member.name];
        else out[member.name] = v;
      }
      const sep = this.next();
      if (sep === CLOSE_OBJ) return out;
      if (sep !== COMMA) throw new NotJson();
    }
  }

  /** After `[`: each item read with `shape`. */
  private array(shape: JsonShape): unknown[] {
    const items: unknown[] = [];
    if (this.peek() === CLOSE_ARR) {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.value(shape));
      const sep = this.next();
      if (sep === CLOSE_ARR) return items;
      if (sep !== COMMA) throw new NotJson();
    }
  }

  /** The member whose name lies between `start` and the closing quote at `end`, if wanted. */
  private wanted(
    members: { name: string; bytes: Uint8Array; shape: JsonShape }[],
    start: number,
    end: number,
  ): { name: string; shape: JsonShape } | null {
    const b = this.b;
    const len = end - start;
    for (const m of members) {
      const kb = m.bytes;
      if (kb.length !== len) continue;
      let same = true;
      for (let i = 0; i < len && same; i++) same = b[start + i] === kb[i];
      if (same) return m;
    }
    // An escaped key (`"\u0049D"`) may still be one of ours.
    const slash = b.indexOf(BACKSLASH, start);
    if (slash >= 0 && slash < end) {
      const key = this.stringValue(start, end);
      const m = members.find((x) => x.name === key);
      if (m !== undefined) return m;
    }
    return null;
  }

  /** A scalar value (consumed), or undefined after stepping over an object or array. */
  private scalarOrSkip(): JsonScalar | undefined {
    const c = this.peek();
    if (c === QUOTE) {
      this.pos++;
      const start = this.pos;
      const end = this.stringEnd();
      return this.stringValue(start, end);
    }
    if (c === OPEN_OBJ || c === OPEN_ARR) {
      this.skipValue();
      return undefined;
    }
    const start = this.pos;
    this.skipValue();
    const text = latin1Text(this.b, start, this.pos);
    if (text === 'true') return true;
    if (text === 'false') return false;
    if (text === 'null') return null;
    if (!/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) throw new NotJson();
    return Number(text);
  }

  /** The string between `start` and its closing quote at `end`, unescaped as JSON.parse would. */
  private stringValue(start: number, end: number): string {
    const b = this.b;
    let ascii = true;
    let escaped = false;
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c >= 0x80) ascii = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c < 0x20) throw new NotJson();
    }
    const raw = ascii ? latin1Text(b, start, end) : utf8.decode(b.subarray(start, end));
    if (!escaped) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      throw new NotJson();
    }
  }

  /**
   * At the byte after an opening quote: moves past the closing one; returns its offset.
   * A backslash escapes the byte after it (`\uXXXX` has no quote among its digits). A
   * byte loop: most strings here are short, shorter than an indexOf call is worth.
   */
  private stringEnd(): number {
    const b = this.b;
    const n = b.length;
    let p = this.pos;
    while (p < n) {
      const c = b[p];
      if (c === QUOTE) {
        this.pos = p + 1;
        return p;
      }
      p += c === BACKSLASH ? 2 : 1;
    }
    throw new NotJson();
  }

  /** Steps over one value of any kind, checking only that brackets and quotes pair up. */
  private skipValue(): void {
    const b = this.b;
    const c = this.peek();
    if (c === -1) throw new NotJson();
    if (c === QUOTE) {
      this.pos++;
      this.stringEnd();
      return;
    }
    if (c !== OPEN_OBJ && c !== OPEN_ARR) {
      // A number or literal: up to the next delimiter.
      const start = this.pos;
      while (this.pos < b.length) {
        const d = b[this.pos];
        if (d === COMMA || d === CLOSE_OBJ || d === CLOSE_ARR || isSpace(d)) break;
        if (d === QUOTE || d === OPEN_OBJ || d === OPEN_ARR || d === COLON) throw new NotJson();
        this.pos++;
      }
      if (this.pos === start) throw new NotJson();
      return;
    }
    // Brackets: a stack of the closers expected.
    const closers: number[] = [];
    const n = b.length;
    let p = this.pos;
    while (p < n) {
      const d = b[p++];
      if (d === QUOTE) {
        // The string, inline (see stringEnd).
        for (;;) {
          if (p >= n) throw new NotJson();
          const e = b[p];
          if (e === QUOTE) break;
          p += e === BACKSLASH ? 2 : 1;
        }
        p++;
      } else if (d === OPEN_OBJ) closers.push(CLOSE_OBJ);
      else if (d === OPEN_ARR) closers.push(CLOSE_ARR);
      else if (d === CLOSE_OBJ || d === CLOSE_ARR) {
        if (closers.pop() !== d) throw new NotJson();
        if (closers.length === 0) {
          this.pos = p;
          return;
        }
      }
    }
    throw new NotJson();
  }
}
