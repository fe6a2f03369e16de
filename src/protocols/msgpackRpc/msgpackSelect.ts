/**
 * Decoding only part of a complete msgpack object: the keys a reader names, with every
 * other subtree stepped over by MsgpackObjectScanner (no strings, objects or bigints made
 * for it). Nomad's replies embed whole Jobs, and its requests carry secrets, that nobody
 * reads: selecting is both faster and keeps those bytes from ever becoming values.
 *
 * A shape says what to keep:
 *   - `true`: the whole value, decoded as MsgpackValueDecoder would;
 *   - `'number'`, `'str'`, `'bool'`: the whole value when its type byte says it is one (an
 *     integer or float; a string; a boolean), else it is stepped over undecoded and counted
 *     in `typeMismatches` (a reply's `Index` that is 16 million nested arrays is never built);
 *   - `{ Key: shape, … }`: a map, only these keys (`'*'`: every key, each with that shape);
 *   - `[shape]`: an array, each item with that shape.
 * A value whose type does not fit its shape (a nil where a map is asked for) is left out,
 * as if the key were absent. Values kept are those of the full decoder (int64/uint64 as
 * bigint, str as string, bin as Uint8Array); a `__proto__` key kept is a decode error.
 */
import { MsgpackObjectScanner } from './msgpackScanner.js';
import type { MsgpackDecodeResult, MsgpackValueDecoder } from './msgpackValue.js';
import { fnv1a, fnv1aOffset, fnv1aStep } from '../../bytes/fnv1a.js';
import { latin1Text } from '../../bytes/latin1.js';

export type MsgpackScalarType = 'number' | 'str' | 'bool';
export type MsgpackShape =
  true | MsgpackScalarType | readonly [MsgpackShape] | { readonly [key: string]: MsgpackShape };

/** Whether a value whose first byte is `t` is of each scalar type (msgpack spec, type byte table). */
const scalarTypes: Record<MsgpackScalarType, (t: number) => boolean> = {
  number: (t) => t <= 0x7f || t >= 0xe0 || (t >= 0xca && t <= 0xd3),
  str: (t) => (t >= 0xa0 && t <= 0xbf) || (t >= 0xd9 && t <= 0xdb),
  bool: (t) => t === 0xc2 || t === 0xc3,
};

/** A shape prepared for matching keys by their bytes (no key string is made to skip it). */
type Compiled =
  | { kind: 'value' }
  | { kind: 'typed'; accepts: (t: number) => boolean }
  | { kind: 'array'; item: Compiled }
  | { kind: 'map'; keys: { name: string; bytes: Uint8Array; shape: Compiled }[]; any: Compiled | null };

const compiledShapes = new WeakMap<object, Compiled>();
const valueShape: Compiled = { kind: 'value' };

const typedShapes: Record<MsgpackScalarType, Compiled> = {
  number: { kind: 'typed', accepts: scalarTypes.number },
  str: { kind: 'typed', accepts: scalarTypes.str },
  bool: { kind: 'typed', accepts: scalarTypes.bool },
};

function compile(shape: MsgpackShape): Compiled {
  if (shape === true) return valueShape;
  if (typeof shape === 'string') return typedShapes[shape];
  const known = compiledShapes.get(shape);
  if (known) return known;
  let c: Compiled;
  if (Array.isArray(shape)) c = { kind: 'array', item: compile((shape as readonly [MsgpackShape])[0]) };
  else {
    const entries = Object.entries(shape as { [key: string]: MsgpackShape });
    c = {
      kind: 'map',
      keys: entries
        .filter(([k]) => k !== '*')
        .map(([name, s]) => ({ name, bytes: Buffer.from(name, 'utf8'), shape: compile(s) })),
      any: entries.some(([k]) => k === '*') ? compile((shape as { [key: string]: MsgpackShape })['*']) : null,
    };
  }
  compiledShapes.set(shape, c);
  return c;
}

class SelectError extends Error {}

const EMPTY = new Uint8Array(0);

/** Direct-mapped cache of short ASCII strings (by a hash of sampled bytes), shared by all selectors. */
const stringCache = new Array<string | undefined>(1 << 14);
const maxCachedLength = 64;

/** FNV-1a of the length and up to 8 bytes from both ends (ids differ there as much as anywhere). */
function sampledHash(b: Uint8Array, start: number, len: number): number {
  const n = Math.min(len, 4);
  const h = fnv1a(b, start, start + n, fnv1aStep(fnv1aOffset, len));
  return fnv1a(b, start + Math.max(n, len - 4), start + len, h);
}

/**
 * Reads `shape` out of one complete msgpack object. Never throws: an error comes back as
 * `{ ok: false, error }` (only for what is kept: skipped subtrees are checked for framing
 * by the scanner, not decoded).
 */
export class MsgpackSelector {
  private buf: Uint8Array = EMPTY;
  private end = 0;
  private pos = 0;
  private readonly scanner = new MsgpackObjectScanner();
  /** Values of the last `select` left out because their type was not the one asked for. */
  typeMismatches = 0;

  constructor(private readonly values: MsgpackValueDecoder) {}

  select(bytes: Uint8Array, shape: MsgpackShape): MsgpackDecodeResult {
    this.buf = bytes;
    this.end = bytes.length;
    this.pos = 0;
    this.typeMismatches = 0;
    try {
      const value = this.read(compile(shape));
      if (this.pos !== this.end) return { ok: false, error: `extra ${this.end - this.pos} bytes after the object` };
      return { ok: true, value };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    } finally {
      this.buf = EMPTY; // do not hold the caller's bytes
      this.dataView = null;
    }
  }

  /** The value at `pos` read with `shape`; `pos` moves past it. */
  private read(shape: Compiled): unknown {
    if (this.pos >= this.end) throw new SelectError('object ends early');
    if (shape.kind === 'value') return this.whole();
    if (shape.kind === 'typed') {
      if (shape.accepts(this.buf[this.pos])) return this.whole();
      this.typeMismatches++;
      this.pos = this.skip(this.pos);
      return undefined;
    }
    const n = shape.kind === 'array' ? this.containerLength(0x90, 0xdc) : this.containerLength(0x80, 0xde);
    if (n < 0) {
      this.pos = this.skip(this.pos);
      return undefined;
    }
    if (shape.kind === 'array') {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = this.read(shape.item);
      return out;
    }
    // Maps keyed by data (alloc ids, task names) are made as dictionaries: an object literal
    // would grow a hidden class per new key, and keep it.
    const out = (shape.any === null ? {} : Object.create(null)) as Record<string, unknown>;
    for (let i = 0; i < n; i++) {
      const key = this.key(shape);
      if (key === null) {
        this.pos = this.skip(this.pos);
        continue;
      }
      const value = this.read(this.keyShape!);
      if (value !== undefined) out[key] = value;
      else delete out[key]; // a later duplicate that does not fit replaces the earlier one
    }
    return out;
  }

  /** Items (array) or entries (map) of the container at `pos`, which moves past its head; -1 when it is not one. */
  private containerLength(fix: number, wide16: number): number {
    const b = this.buf;
    const p = this.pos;
    const t = b[p];
    if (t >= fix && t <= fix + 0x0f) {
      this.pos = p + 1;
      return t & 0x0f;
    }
    if (t === wide16 && p + 2 < this.end) {
      this.pos = p + 3;
      return (b[p + 1] << 8) | b[p + 2];
    }
    if (t === wide16 + 1 && p + 4 < this.end) {
      this.pos = p + 5;
      return ((b[p + 1] << 24) >>> 0) + (b[p + 2] << 16) + (b[p + 3] << 8) + b[p + 4];
    }
    return -1;
  }

  /** Shape of the value of the key just read by `key`. */
  private keyShape: Compiled | null = null;

  /** The map key at `pos` (pos moves to its value): its name, or null to skip the value. */
  private key(shape: Compiled & { kind: 'map' }): string | null {
    const b = this.buf;
    const pos = this.pos;
    const t = b[pos];
    let start = -1;
    let len = 0;
    if (t >= 0xa0 && t <= 0xbf) {
      start = pos + 1;
      len = t & 0x1f;
    } else if (t === 0xd9) {
      start = pos + 2;
      len = b[pos + 1];
    } else if (t === 0xda) {
      start = pos + 3;
      len = (b[pos + 1] << 8) | b[pos + 2];
    }
    if (start >= 0 && start + len <= this.end) {
      for (const k of shape.keys) {
        if (k.bytes.length !== len) continue;
        let same = true;
        for (let i = 0; i < len && same; i++) same = b[start + i] === k.bytes[i];
        if (same) {
          this.pos = start + len;
          this.keyShape = k.shape;
          return k.name;
        }
      }
    }
    if (shape.any === null) {
      this.pos = this.skip(pos);
      return null;
    }
    this.keyShape = shape.any;
    const text = start >= 0 ? this.ascii(start, len) : null;
    if (text !== null && text !== '__proto__') {
      this.pos = start + len;
      return text;
    }
    const next = this.skip(pos);
    this.pos = next;
    const key = this.decodeSlice(pos, next);
    if (typeof key !== 'string' && typeof key !== 'number')
      throw new SelectError('The type of key must be string or number but ' + typeof key);
    if (key === '__proto__') throw new SelectError('The key __proto__ is not allowed');
    return String(key);
  }

  /** A whole value: common scalars read here, anything else by the full decoder. */
  private whole(): unknown {
    const b = this.buf;
    const pos = this.pos;
    const t = b[pos];
    if (t <= 0x7f) {
      this.pos = pos + 1;
      return t;
    }
    if (t >= 0xe0) {
      this.pos = pos + 1;
      return t - 0x100;
    }
    if (t >= 0xa0 && t <= 0xbf) {
      const s = this.ascii(pos + 1, t & 0x1f);
      if (s !== null) {
        this.pos = pos + 1 + (t & 0x1f);
        return s;
      }
    } else if (t === 0xd9 && pos + 1 < this.end) {
      const s = this.ascii(pos + 2, b[pos + 1]);
      if (s !== null) {
        this.pos = pos + 2 + b[pos + 1];
        return s;
      }
    } else if (t === 0xda && pos + 2 < this.end) {
      const len = (b[pos + 1] << 8) | b[pos + 2];
      const s = this.ascii(pos + 3, len);
      if (s !== null) {
        this.pos = pos + 3 + len;
        return s;
      }
    }
    switch (t) {
      case 0xc0:
        this.pos = pos + 1;
        return null;
      case 0xc2:
        this.pos = pos + 1;
        return false;
      case 0xc3:
        this.pos = pos + 1;
        return true;
      case 0xcc:
        if (pos + 1 < this.end) {
          this.pos = pos + 2;
          return b[pos + 1];
        }
        break;
      case 0xcd:
        if (pos + 2 < this.end) {
          this.pos = pos + 3;
          return (b[pos + 1] << 8) | b[pos + 2];
        }
        break;
      case 0xce:
        if (pos + 4 < this.end) {
          this.pos = pos + 5;
          return ((b[pos + 1] << 24) >>> 0) + (b[pos + 2] << 16) + (b[pos + 3] << 8) + b[pos + 4];
        }
        break;
      // int64/uint64 as bigint, as the full decoder gives them (Nomad's Unix-ns times).
      case 0xcf:
        if (pos + 8 < this.end) {
          this.pos = pos + 9;
          return this.view().getBigUint64(pos + 1);
        }
        break;
      case 0xd3:
        if (pos + 8 < this.end) {
          this.pos = pos + 9;
          return this.view().getBigInt64(pos + 1);
        }
        break;
    }
    const next = this.skip(pos);
    this.pos = next;
    return this.decodeSlice(pos, next);
  }

  /**
   * An ASCII string without a decoder call, or null (then the full decoder reads it).
   * Short ones come from a small cache: the same alloc, node and eval ids recur in every
   * poll, and one string each (not one per message) is what the kept messages then hold.
   */
  private ascii(start: number, len: number): string | null {
    if (start + len > this.end) return null;
    const b = this.buf;
    if (len <= maxCachedLength) {
      // A hit is found by a few sampled bytes and confirmed by comparing them all (equal to
      // an ASCII string means ASCII): no full hash, no ASCII pass for the common case.
      const slot = sampledHash(b, start, len) & (stringCache.length - 1);
      const known = stringCache[slot];
      if (known !== undefined && known.length === len) {
        let same = true;
        for (let i = 0; i < len && same; i++) same = known.charCodeAt(i) === b[start + i];
        if (same) return known;
      }
      for (let i = start; i < start + len; i++) if (b[i] >= 0x80) return null;
      const s = latin1Text(b, start, start + len);
      stringCache[slot] = s;
      return s;
    }
    for (let i = start; i < start + len; i++) if (b[i] >= 0x80) return null;
    return latin1Text(b, start, start + len);
  }

  private decodeSlice(from: number, to: number): unknown {
    const r = this.values.decode(this.buf.subarray(from, to));
    if (!r.ok) throw new SelectError(r.error);
    return r.value;
  }

  private dataView: DataView | null = null;

  /** A view of this select's bytes (made on first need, dropped at its end). */
  private view(): DataView {
    return (this.dataView ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  /** Where the object at `pos` ends (scalars here, containers by the scanner). */
  private skip(pos: number): number {
    const b = this.buf;
    const t = b[pos];
    let next = -1;
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) next = pos + 1;
    else if (t >= 0xa0 && t <= 0xbf) next = pos + 1 + (t & 0x1f);
    else if (t === 0xd9 || t === 0xc4) next = pos + 2 + b[pos + 1];
    else if (t === 0xda || t === 0xc5) next = pos + 3 + ((b[pos + 1] << 8) | b[pos + 2]);
    else if (t === 0xcc || t === 0xd0) next = pos + 2;
    else if (t === 0xcd || t === 0xd1) next = pos + 3;
    else if (t === 0xce || t === 0xd2 || t === 0xca) next = pos + 5;
    else if (t === 0xcf || t === 0xd3 || t === 0xcb) next = pos + 9;
    if (next >= 0) {
      if (next > this.end) throw new SelectError('object ends early');
      return next;
    }
    return this.scan(pos);
  }

  private scan(pos: number): number {
    this.scanner.reset(pos, 1, this.end - pos);
    const r = this.scanner.scan(this.buf, this.end);
    if (r === 'done') return this.scanner.pos;
    throw new SelectError(r === 'more' ? 'object ends early' : r.error);
  }
}
