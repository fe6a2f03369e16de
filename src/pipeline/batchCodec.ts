/**
 * A worker's batch of actions as typed arrays and one string table, not cloned objects
 * (parallelCapture.ts): structured clone spells every property name and rebuilds every
 * string of every event, and deserialising that was the main thread's largest cost. Here
 * object shapes (their key lists) are sent once per worker and named by number after, a
 * batch's strings once each, numbers and tags in transferred Int32/Float64 arrays, bytes
 * in one transferred buffer.
 *
 * Values: undefined, null, booleans, numbers, strings, bigints, Uint8Arrays, arrays and
 * plain objects (own enumerable string keys, in order), nested; what comes out is equal
 * to what went in, key order included (the JSON result depends on it). Shared references
 * are not kept: each occurrence is a copy.
 */

/** One encoded batch: post it with `transfer`. */
export interface EncodedBatch {
  ops: Int32Array;
  nums: Float64Array;
  strings: string[];
  bytes: Uint8Array;
  /** Shapes first used in this batch, numbered on from the last batch's. */
  shapes: string[][];
}

const Tag = {
  undefined: 0,
  null: 1,
  false: 2,
  true: 3,
  int: 4,
  float: 5,
  string: 6,
  array: 7,
  shaped: 8,
  dict: 9,
  bigint: 10,
  bytes: 11,
} as const;

/** Shapes kept per worker; past this many, wider objects and data keys go inline: hostile keys cannot grow it. */
const maxShapes = 4096;
const maxShapeKeys = 64;
const maxShapeNodes = 65536;
/** A key that may name a shape's property: a short identifier, as the pipeline's own types have. */
const nameLike = /^[A-Za-z_$][\w$]{0,39}$/;

interface ShapeNode {
  /** The shape whose keys end here, or -1. */
  id: number;
  children: Map<string, ShapeNode>;
}

/** An Int32 or Float64 array that grows as it is written. */
class Grow<T extends Int32Array | Float64Array> {
  length = 0;
  constructor(
    public a: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.a.length) {
      const b = this.make(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  take(): T {
    const out = this.a.slice(0, this.length) as T;
    this.length = 0;
    return out;
  }
}

/** One per worker: shape numbers run on across its batches. */
export class BatchEncoder {
  private readonly ops = new Grow(new Int32Array(1 << 14), (n) => new Int32Array(n));
  private readonly nums = new Grow(new Float64Array(1 << 10), (n) => new Float64Array(n));
  private strings: string[] = [];
  private stringIds = new Map<string, number>();
  private byteParts: Uint8Array[] = [];
  private byteLength = 0;
  /** Shapes as a trie of their keys, in order. */
  private readonly shapeRoot: ShapeNode = { id: -1, children: new Map() };
  private shapeNodes = 0;
  private shapeCount = 0;
  private newShapes: string[][] = [];

  /** Encode `values` (a batch's flat actions); the arrays returned are the encoder's no more. */
  encode(values: readonly unknown[]): { batch: EncodedBatch; transfer: ArrayBuffer[] } {
    this.ops.push(values.length);
    for (const v of values) this.value(v);
    const bytes = new Uint8Array(this.byteLength);
    let at = 0;
    for (const p of this.byteParts) {
      bytes.set(p, at);
      at += p.length;
    }
    const batch: EncodedBatch = {
      ops: this.ops.take(),
      nums: this.nums.take(),
      strings: this.strings,
      bytes,
      shapes: this.newShapes,
    };
    this.strings = [];
    this.stringIds = new Map();
    this.byteParts = [];
    this.byteLength = 0;
    this.newShapes = [];
    return { batch, transfer: [batch.ops.buffer, batch.nums.buffer, bytes.buffer] as ArrayBuffer[] };
  }

  private string(s: string): void {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    this.ops.push(id);
  }

  private value(v: unknown): void {
    const ops = this.ops;
    switch (typeof v) {
      case 'number':
        if ((v | 0) === v && !Object.is(v, -0)) {
          ops.push(Tag.int);
          ops.push(v);
        } else {
          ops.push(Tag.float);
          this.nums.push(v);
        }
        return;
      case 'string':
        ops.push(Tag.string);
        return this.string(v);
      case 'boolean':
        return ops.push(v ? Tag.true : Tag.false);
      case 'undefined':
        return ops.push(Tag.undefined);
      case 'bigint':
        ops.push(Tag.bigint);
        return this.string(v.toString());
      case 'object':
        if (v === null) return ops.push(Tag.null);
        if (Array.isArray(v)) {
          ops.push(Tag.array);
          ops.push(v.length);
          for (let i = 0; i < v.length; i++) this.value(v[i]);
          return;
        }
        if (v instanceof Uint8Array) {
          ops.push(Tag.bytes);
          ops.push(v.length);
          this.byteParts.push(v);
          this.byteLength += v.length;
          return;
        }
        if (
          v instanceof Map ||
          v instanceof Set ||
          v instanceof Date ||
          ArrayBuffer.isView(v) ||
          v instanceof ArrayBuffer
        )
          break;
        return this.object(v as Record<string, unknown>);
    }
    throw new TypeError(`batchCodec: cannot encode a ${typeof v === 'object' ? v!.constructor.name : typeof v}`);
  }

  private object(o: Record<string, unknown>): void {
    const keys = Object.keys(o);
    // Values in key order, read natively: a keyed read per property was megamorphic.
    const values = Object.values(o);
    const ops = this.ops;
    const id = keys.length <= maxShapeKeys ? this.shapeOf(keys) : -1;
    if (id >= 0) {
      ops.push(Tag.shaped);
      ops.push(id);
      for (let i = 0; i < values.length; i++) this.value(values[i]);
      return;
    }
    ops.push(Tag.dict);
    ops.push(keys.length);
    for (let i = 0; i < keys.length; i++) {
      this.string(keys[i]);
      this.value(values[i]);
    }
  }

  /** The shape's number (new ones are sent with the batch), or -1 once the table is full. */
  private shapeOf(keys: string[]): number {
    let node = this.shapeRoot;
    for (const k of keys) {
      let child = node.children.get(k);
      if (child === undefined) {
        // Keys that are data (a record keyed by ids) would make a shape per record.
        if (this.shapeNodes >= maxShapeNodes || !nameLike.test(k)) return -1;
        this.shapeNodes++;
        child = { id: -1, children: new Map() };
        node.children.set(k, child);
      }
      node = child;
    }
    if (node.id < 0 && this.shapeCount < maxShapes) {
      node.id = this.shapeCount++;
      this.newShapes.push(keys);
    }
    return node.id;
  }
}

/** Set o[k] as an own property, `__proto__` included. */
function put(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__')
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** One per worker, on the receiving side: it learns the worker's shapes as they come. */
export class BatchDecoder {
  private readonly shapes: string[][] = [];
  private b: EncodedBatch | null = null;
  private op = 0;
  private num = 0;
  private byte = 0;

  decode(batch: EncodedBatch): unknown[] {
    for (const keys of batch.shapes) this.shapes.push(keys);
    this.b = batch;
    this.op = 0;
    this.num = 0;
    this.byte = 0;
    const n = batch.ops[this.op++];
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.next();
    this.b = null;
    return out;
  }

  private next(): unknown {
    const b = this.b!;
    const ops = b.ops;
    switch (ops[this.op++]) {
      case Tag.int:
        return ops[this.op++];
      case Tag.string:
        return b.strings[ops[this.op++]];
      case Tag.shaped: {
        const keys = this.shapes[ops[this.op++]];
        const o: Record<string, unknown> = {};
        for (let i = 0; i < keys.length; i++) put(o, keys[i], this.next());
        return o;
      }
      case Tag.float:
        return b.nums[this.num++];
      case Tag.undefined:
        return undefined;
      case Tag.null:
        return null;
      case Tag.false:
        return false;
      case Tag.true:
        return true;
      case Tag.array: {
        const n = ops[this.op++];
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.next();
        return a;
      }
      case Tag.dict: {
        const n = ops[this.op++];
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = b.strings[ops[this.op++]];
          put(o, k, this.next());
        }
        return o;
      }
      case Tag.bigint:
        return BigInt(b.strings[ops[this.op++]]);
      case Tag.bytes: {
        const n = ops[this.op++];
        // A copy of its own, as structured clone gave: a holder may keep it past the batch.
        const out = b.bytes.slice(this.byte, this.byte + n);
        this.byte += n;
        return out;
      }
    }
    throw new Error(`batchCodec: bad tag at ${this.op - 1}`);
  }
}
