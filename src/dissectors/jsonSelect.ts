/**
 * The few fields a dissector reads from a JSON body, without parsing the rest. A shape
 * names them, as for msgpack (MsgpackSelector):
 *   - `true`: a scalar (string, number, boolean, null);
 *   - `'any'`: the value whatever it is (objects and arrays parsed whole, by JSON.parse);
 *   - `'present'`: `true` for a member that is there, whatever its value (not decoded);
 *   - `new EmbeddedJson(shape)`: a string whose value is itself a JSON text, read with
 *     `shape` in place, without unescaping it first (see EmbeddedJsonSelector);
 *   - `{ key: shape, … }`: an object, only these members;
 *   - `[shape]`: an array, each item with that shape.
 * Everything else is stepped over (strings found by searching for their closing quote),
 * so a 20 kB allocation with its embedded Job costs a scan, not a tree of objects.
 *
 * What comes out is what JSON.parse would give a reader for those keys: a later duplicate
 * key wins; a value whose type does not fit its shape (an object where a scalar is asked
 * for, a string where an object is) is undefined — left out of its object, or an undefined
 * item of its array (or `options.misfit`, for a reader that must tell a member of the wrong
 * type from a missing one, as `Object.hasOwn` on JSON.parse's result would). The check of
 * the rest is structural only (brackets, quotes, what may follow the value): a body
 * JSON.parse would refuse for a subtler reason (a bad number inside a skipped subtree) may
 * still give its fields.
 */
import { latin1Text } from '../bytes/latin1.js';

export type JsonScalar = string | number | boolean | null;
export type JsonShape =
  true | 'any' | 'present' | EmbeddedJson | readonly [JsonShape] | { readonly [key: string]: JsonShape };

/** A string member holding a JSON text (oslo.messaging's `{"oslo.message": "<JSON>"}`), read with `shape`. */
export class EmbeddedJson {
  constructor(readonly shape: JsonShape) {}
}

export interface JsonSelectOptions {
  /** What a value that does not fit its shape reads as (default undefined: left out). */
  misfit?: unknown;
}

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
export function jsonSelect(
  body: Uint8Array,
  shape: JsonShape,
  options: JsonSelectOptions = {},
): { value: unknown } | null {
  try {
    const scanner = new JsonSelector(body, options.misfit);
    const value = scanner.value(shape);
    if (scanner.peek() !== -1) return null;
    return { value };
  } catch (e) {
    if (e instanceof NotJson) return null;
    throw e;
  }
}

/** Member names compared as bytes: no string is made for a member that is not wanted. */
interface Member {
  name: string;
  bytes: Uint8Array;
  shape: JsonShape;
}
/** An object shape's members, and the same by the byte length of their names (the first test of a key). */
interface Members {
  all: Member[];
  byLength: (Member[] | undefined)[];
}
const membersByShape = new WeakMap<object, Members>();
function membersOf(shape: { readonly [key: string]: JsonShape }): Members {
  let m = membersByShape.get(shape);
  if (m === undefined) {
    const all = Object.entries(shape).map(([name, s]) => ({ name, bytes: Buffer.from(name, 'utf8'), shape: s }));
    const byLength: (Member[] | undefined)[] = [];
    for (const x of all) (byLength[x.bytes.length] ??= []).push(x);
    membersByShape.set(shape, (m = { all, byLength }));
  }
  return m;
}

class JsonSelector {
  constructor(
    protected readonly b: Uint8Array,
    protected readonly misfit: unknown,
    protected pos = 0,
  ) {}

  /** The value at the cursor read with `shape` (consumed). */
  value(shape: JsonShape): unknown {
    const c = this.peek();
    if (shape === true) return this.scalarOrSkip();
    if (shape === 'present') {
      this.skipValue();
      return true;
    }
    if (shape === 'any') return this.whole();
    if (shape instanceof EmbeddedJson) {
      if (this instanceof EmbeddedJsonSelector) throw new Error('EmbeddedJson is read one level deep only');
      if (c !== QUOTE) return this.skipped();
      const inner = new EmbeddedJsonSelector(this.b, this.misfit, this.pos + 1);
      const value = inner.value(shape.shape);
      // The text must end where its string does.
      if (inner.peek() !== -1 || this.b[inner.pos] !== QUOTE) throw new NotJson();
      this.pos = inner.pos + 1;
      return value;
    }
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
      return JSON.parse(this.text(start, this.pos));
    } catch {
      throw new NotJson();
    }
  }

  /** The JSON text of the bytes `[start, end)`. */
  protected text(start: number, end: number): string {
    return utf8.decode(this.b.subarray(start, end));
  }

  /** At an opening quote: moves past it; returns where the string's content starts. */
  protected openString(): number {
    return ++this.pos;
  }

  private skipped(): unknown {
    this.skipValue();
    return this.misfit;
  }

  /** Next non-space byte (consumed), or -1 at the end. */
  private next(): number {
    const c = this.peek();
    if (c !== -1) this.pos++;
    return c;
  }

  /** The next non-space byte (not consumed), or -1 at the end. */
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
      if (this.peek() !== QUOTE) throw new NotJson();
      const keyStart = this.openString();
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
  private wanted(members: Members, start: number, end: number): Member | null {
    const b = this.b;
    const len = end - start;
    const sameLength = members.byLength[len];
    if (sameLength !== undefined)
      for (const m of sameLength) {
        const kb = m.bytes;
        let same = true;
        for (let i = 0; i < len && same; i++) same = b[start + i] === kb[i];
        if (same) return m;
      }
    // An escaped key (`"\u0049D"`) may still be one of ours.
    for (let i = start; i < end; i++)
      if (b[i] === BACKSLASH) {
        const key = this.stringValue(start, end);
        return members.all.find((x) => x.name === key) ?? null;
      }
    return null;
  }

  /** A scalar value (consumed), or the misfit after stepping over an object or array. */
  private scalarOrSkip(): unknown {
    const c = this.peek();
    if (c === QUOTE) {
      const start = this.openString();
      const end = this.stringEnd();
      return this.stringValue(start, end);
    }
    if (c === OPEN_OBJ || c === OPEN_ARR) return this.skipped();
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
  protected stringValue(start: number, end: number): string {
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
  protected stringEnd(): number {
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
  protected skipValue(): void {
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

/** EmbeddedJsonSelector's byte classes: what a byte of the carrying string is to the text it carries. */
const PLAIN = 0,
  ESCAPE = 1,
  OPENER = 2,
  CLOSER = 3,
  OTHER = 4;
const embeddedClass = new Uint8Array(256).fill(OTHER);
for (let c = 0x20; c < 0x80; c++) embeddedClass[c] = PLAIN;
embeddedClass[QUOTE] = OTHER; // the carrying string's end
embeddedClass[BACKSLASH] = ESCAPE;
embeddedClass[OPEN_OBJ] = embeddedClass[OPEN_ARR] = OPENER;
embeddedClass[CLOSE_OBJ] = embeddedClass[CLOSE_ARR] = CLOSER;

/**
 * Reads a JSON text where it stands as the content of a JSON string, from the byte after
 * the string's opening quote: a quote of the text is `\"` there, a backslash `\\`. Only
 * those two escapes are read, and only ASCII (what a writer that keeps its text ASCII
 * makes, as Python's json.dumps does by default); any other escape, a control or
 * non-ASCII byte is "not JSON" here, for the caller to decode the usual way. The text
 * ends at the string's closing (unescaped) quote, where peek() gives -1.
 */
class EmbeddedJsonSelector extends JsonSelector {
  override peek(): number {
    const b = this.b;
    let p = this.pos;
    while (b[p] === 0x20) p++;
    this.pos = p;
    const c = b[p];
    if (c === BACKSLASH) {
      const d = b[p + 1];
      if (d === QUOTE) return QUOTE;
      if (d === BACKSLASH) return BACKSLASH; // a backslash outside a string: not JSON, as the caller finds
      throw new NotJson();
    }
    if (c === undefined || c === QUOTE) return -1;
    if (embeddedClass[c] === OTHER) throw new NotJson();
    return c;
  }

  protected override openString(): number {
    return (this.pos += 2);
  }

  protected override text(start: number, end: number): string {
    const t = latin1Text(this.b, start, end);
    return t.includes('\\') ? t.replace(/\\(["\\])/g, '$1') : t;
  }

  protected override stringValue(start: number, end: number): string {
    const t = this.text(start, end);
    if (!t.includes('\\')) return t;
    try {
      return JSON.parse(`"${t}"`) as string;
    } catch {
      throw new NotJson();
    }
  }

  /** At the byte after a quote of the text (`\"`): moves past its closing one; returns where that starts. */
  protected override stringEnd(): number {
    const b = this.b;
    let p = this.pos;
    for (;;) {
      const k = embeddedClass[b[p]];
      if (k === PLAIN || k === OPENER || k === CLOSER) p++;
      else if (k === ESCAPE) {
        const d = b[p + 1];
        if (d === QUOTE) {
          this.pos = p + 2;
          return p;
        }
        if (d !== BACKSLASH) throw new NotJson();
        // A backslash of the text: the character after it is escaped, one byte or `\"`/`\\`.
        const e = b[p + 2];
        if (e === BACKSLASH) {
          const f = b[p + 3];
          if (f !== QUOTE && f !== BACKSLASH) throw new NotJson();
          p += 4;
        } else if (embeddedClass[e] === OTHER) throw new NotJson();
        else p += 3;
      } else throw new NotJson(); // the carrying string ends inside this one, or a byte not read here
    }
  }

  protected override skipValue(): void {
    const b = this.b;
    const c = this.peek();
    if (c === -1 || c === BACKSLASH) throw new NotJson();
    if (c === QUOTE) {
      this.openString();
      this.stringEnd();
      return;
    }
    if (c !== OPEN_OBJ && c !== OPEN_ARR) {
      // A number or literal: up to the next delimiter (the carrying string's end is one).
      const start = this.pos;
      for (;;) {
        const d = b[this.pos];
        if (d === COMMA || d === CLOSE_OBJ || d === CLOSE_ARR || d === 0x20 || d === QUOTE || d === undefined) break;
        if (d === BACKSLASH || d === OPEN_OBJ || d === OPEN_ARR || d === COLON || embeddedClass[d] === OTHER)
          throw new NotJson();
        this.pos++;
      }
      if (this.pos === start) throw new NotJson();
      return;
    }
    const closers: number[] = [];
    let p = this.pos;
    for (;;) {
      const d = b[p];
      const k = embeddedClass[d];
      if (k === PLAIN) p++;
      else if (k === ESCAPE) {
        if (b[p + 1] !== QUOTE) throw new NotJson();
        p += 2;
        // The string, inline (see stringEnd).
        for (;;) {
          const e = b[p];
          if (e !== BACKSLASH) {
            const k = embeddedClass[e];
            if (k === OTHER || k === undefined) throw new NotJson(); // also the end of the bytes
            p++;
          } else if (b[p + 1] === QUOTE) {
            p += 2;
            break;
          } else if (b[p + 1] !== BACKSLASH) throw new NotJson();
          else if (b[p + 2] === BACKSLASH) {
            if (b[p + 3] !== QUOTE && b[p + 3] !== BACKSLASH) throw new NotJson();
            p += 4;
          } else if (embeddedClass[b[p + 2]] === OTHER) throw new NotJson();
          else p += 3;
        }
      } else if (k === OPENER) {
        closers.push(d === OPEN_OBJ ? CLOSE_OBJ : CLOSE_ARR);
        p++;
      } else if (k === CLOSER) {
        p++;
        if (closers.pop() !== d) throw new NotJson();
        if (closers.length === 0) {
          this.pos = p;
          return;
        }
      } else throw new NotJson();
    }
  }
}
