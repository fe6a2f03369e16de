/**
 * The scalar fields a dissector reads from a JSON body, without parsing the rest: the
 * named keys of the top-level object, or of each object of a top-level array. Nested
 * objects and arrays are stepped over (strings found by searching for their closing
 * quote), so a 20 kB allocation with its embedded Job costs a scan, not a tree of objects.
 *
 * What comes out is what JSON.parse would give for those keys (a later duplicate key
 * wins; a key whose value is an object or array is left out, as a reader looking for a
 * string or a number would). The check of the rest is structural only (brackets, quotes,
 * what may follow the top-level value): a body JSON.parse would refuse for a subtler
 * reason (a bad number inside a skipped subtree) may still give its top-level fields.
 */

export type JsonScalar = string | number | boolean | null;

export interface JsonTopFields {
  top: 'object' | 'array';
  /** One record per object: the top-level one, or each object item of the array. */
  items: Record<string, JsonScalar>[];
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, COMMA = 0x2c;
const OPEN_OBJ = 0x7b, CLOSE_OBJ = 0x7d, OPEN_ARR = 0x5b, CLOSE_ARR = 0x5d;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

const utf8 = new TextDecoder('utf-8', { fatal: false });
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

class NotJson extends Error {}

/** Fields `keys` of the body's top-level object(s); null when the body is not a JSON object or array. */
export function jsonTopFields(body: Uint8Array, keys: readonly string[]): JsonTopFields | null {
  try {
    return new TopFieldScanner(body, keys).run();
  } catch (e) {
    if (e instanceof NotJson) return null;
    throw e;
  }
}

class TopFieldScanner {
  private pos = 0;
  private readonly keyBytes: Uint8Array[];

  constructor(private readonly b: Uint8Array, private readonly keys: readonly string[]) {
    this.keyBytes = keys.map((k) => Buffer.from(k, 'utf8'));
  }

  run(): JsonTopFields {
    const c = this.next();
    let out: JsonTopFields;
    if (c === OPEN_OBJ) out = { top: 'object', items: [this.object()] };
    else if (c === OPEN_ARR) out = { top: 'array', items: this.array() };
    else throw new NotJson();
    if (this.peek() !== -1) throw new NotJson();
    return out;
  }

  /** Next non-space byte (consumed), or -1 at the end. */
  private next(): number {
    const c = this.peek();
    if (c !== -1) this.pos++;
    return c;
  }

  private peek(): number {
    const b = this.b;
    while (this.pos < b.length && isSpace(b[this.pos])) this.pos++;
    return this.pos < b.length ? b[this.pos] : -1;
  }

  /** After `{`: the wanted scalar members of this object. */
  private object(): Record<string, JsonScalar> {
    const out: Record<string, JsonScalar> = {};
    if (this.peek() === CLOSE_OBJ) {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.next() !== QUOTE) throw new NotJson();
      const keyStart = this.pos;
      const keyEnd = this.stringEnd();
      const key = this.wanted(keyStart, keyEnd);
      if (this.next() !== COLON) throw new NotJson();
      if (key === null) this.skipValue();
      else {
        const v = this.scalarOrSkip();
        if (v === undefined) delete out[key];
        else out[key] = v;
      }
      const sep = this.next();
      if (sep === CLOSE_OBJ) return out;
      if (sep !== COMMA) throw new NotJson();
    }
  }

  /** After `[` at the top: the wanted members of each object item. */
  private array(): Record<string, JsonScalar>[] {
    const items: Record<string, JsonScalar>[] = [];
    if (this.peek() === CLOSE_ARR) {
      this.pos++;
      return items;
    }
    for (;;) {
      if (this.peek() === OPEN_OBJ) {
        this.pos++;
        items.push(this.object());
      } else this.skipValue();
      const sep = this.next();
      if (sep === CLOSE_ARR) return items;
      if (sep !== COMMA) throw new NotJson();
    }
  }

  /** The key between `start` and the closing quote at `end`, if it is one of `keys`. */
  private wanted(start: number, end: number): string | null {
    const b = this.b;
    const len = end - start;
    for (let k = 0; k < this.keyBytes.length; k++) {
      const kb = this.keyBytes[k];
      if (kb.length !== len) continue;
      let same = true;
      for (let i = 0; i < len && same; i++) same = b[start + i] === kb[i];
      if (same) return this.keys[k];
    }
    // An escaped key (`"\u0049D"`) may still be one of ours.
    const slash = b.indexOf(BACKSLASH, start);
    if (slash >= 0 && slash < end) {
      const key = this.stringValue(start, end);
      if (this.keys.includes(key)) return key;
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
    const text = latin1Slice.call(this.b, start, this.pos);
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
    const raw = ascii ? latin1Slice.call(b, start, end) : utf8.decode(b.subarray(start, end));
    if (!escaped) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      throw new NotJson();
    }
  }

  /** At the byte after an opening quote: moves past the closing one; returns its offset. */
  private stringEnd(): number {
    const b = this.b;
    let p = this.pos;
    for (;;) {
      const q = b.indexOf(QUOTE, p);
      if (q < 0) throw new NotJson();
      let slashes = 0;
      while (q - 1 - slashes >= this.pos && b[q - 1 - slashes] === BACKSLASH) slashes++;
      if (slashes % 2 === 0) {
        this.pos = q + 1;
        return q;
      }
      p = q + 1;
    }
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
    while (this.pos < b.length) {
      const d = b[this.pos++];
      if (d === QUOTE) this.stringEnd();
      else if (d === OPEN_OBJ) closers.push(CLOSE_OBJ);
      else if (d === OPEN_ARR) closers.push(CLOSE_ARR);
      else if (d === CLOSE_OBJ || d === CLOSE_ARR) {
        if (closers.pop() !== d) throw new NotJson();
        if (closers.length === 0) return;
      }
    }
    throw new NotJson();
  }
}
