/**
 * Every decoded message of an analysis, kept in columns for `messages` and the diagnosis.
 *
 * Why columns: the main job keeps each message to the end. As objects, a message cost a
 * VimMessage (ten fields), two boxed doubles (t, ms), its id object and its slot in an
 * array — a few hundred bytes, traced by every major GC.
 * Here a message is 53 bytes of typed arrays — times, durations, a kind byte, numbers
 * into tables of the distinct names, endpoints and statuses, its connection and first
 * frame — plus its id set in a pool.
 *
 * Bounded: past `limit` messages, the rest are counted, not kept (the timelines never
 * depend on this log; only `messages` and the diagnosis read it).
 */
import type { MessageIds, MessageTable, Vim, VimMessage, VimMessageType } from './types.js';
import { ascendingOrder } from '../sorted/ascendingOrder.js';
import { fnv1a } from '../bytes/fnv1a.js';

/** vim and type in one byte: the kinds a message can be, as a table. */
const kinds: readonly (readonly [Vim, VimMessageType])[] = [
  ['nova', 'http'],
  ['nova', 'rpc-call'],
  ['nova', 'rpc-cast'],
  ['nova', 'notification'],
  ['nomad', 'http'],
  ['nomad', 'nomad-rpc'],
  ['nova', 'nomad-rpc'],
  ['nomad', 'rpc-call'],
  ['nomad', 'rpc-cast'],
  ['nomad', 'notification'],
];
/** vim → type → code (nested: no key string made per message). */
const kindCode = new Map<string, Map<string, number>>();
kinds.forEach(([vim, type], i) => {
  let byType = kindCode.get(vim);
  if (!byType) kindCode.set(vim, (byType = new Map<string, number>()));
  byType.set(type, i);
});

const initialCapacity = 1024;

/** Each distinct value once, numbered in order of first sight. */
class ValueTable<V> {
  private readonly numbers = new Map<V, number>();
  readonly values: V[] = [];
  numberOf(v: V): number {
    let n = this.numbers.get(v);
    if (n === undefined) {
      n = this.values.length;
      this.numbers.set(v, n);
      this.values.push(v);
    }
    return n;
  }
}

/** The keys an id set may have, by code (scalars first, then the lists). */
const idKeys = [
  'server',
  'request',
  'image',
  'job',
  'eval',
  'alloc',
  'node',
  'port',
  'device',
  'servers',
  'allocs',
] as const satisfies readonly (keyof MessageIds)[];
// Fails to compile when MessageIds gains a key this table lacks.
const _everyIdKeyListed: Exclude<keyof MessageIds, (typeof idKeys)[number]> extends never ? true : never = true;
const idKeyCode = new Map<string, number>(idKeys.map((k, i) => [k, i]));
const firstListCode = idKeys.indexOf('servers');

/** Pool entries per chunk: a set starts at most this far into its chunk (offsets are chunk × this + start). */
const chunkBits = 18;
const chunkEntries = 1 << chunkBits;

/**
 * Id sets as numbers in one pool: `[entries, (key code, id number | key code, length, id
 * numbers…)…]`, keys in their original order, each id string once in a table. A set equal
 * to one stored before is stored once: a client's polls carry the same set, often a list of
 * every allocation on the node, again and again. As objects these sets were most of the
 * log's memory.
 *
 * The pool is a list of fixed chunks, not one array grown by doubling (on 1 GB of Nomad a
 * doubling held 8 + 16 MB at once for 9 MB of sets), and the sets are found again through
 * an open-addressing table in typed arrays, not a Map (150,000 entries: 7 MB of traced heap).
 */
class IdSetPool {
  private readonly chunks: Uint32Array[] = [];
  /** Entries used in the last chunk. */
  private last = 0;
  private scratch = new Uint32Array(64);
  private readonly strings = new ValueTable<string>();
  /** Hash table of stored sets: each slot's set hash and offset + 1 (0: empty). */
  private slotHashes = new Int32Array(1 << 12);
  private slotOffsets = new Uint32Array(1 << 12);
  private slotsFilled = 0;
  /** Entries stored (for tests and measurements). */
  used = 0;

  /** The set's offset in the pool. */
  add(ids: MessageIds): number {
    let n = 1,
      entries = 0;
    for (const k in ids) {
      const v = (ids as Record<string, string | string[] | undefined>)[k];
      const code = idKeyCode.get(k);
      if (v === undefined || code === undefined) continue;
      entries++;
      if (typeof v === 'string') {
        this.reserve(n + 2);
        this.scratch[n++] = code;
        this.scratch[n++] = this.strings.numberOf(v);
      } else {
        this.reserve(n + 2 + v.length);
        this.scratch[n++] = code;
        this.scratch[n++] = v.length;
        for (let j = 0; j < v.length; j++) this.scratch[n++] = this.strings.numberOf(v[j]);
      }
    }
    this.scratch[0] = entries;
    const hash = fnv1a(this.scratch, 0, n);
    const mask = this.slotOffsets.length - 1;
    let slot = Math.imul(hash, 0x9e3779b1) >>> (32 - Math.log2(this.slotOffsets.length));
    for (; this.slotOffsets[slot] !== 0; slot = (slot + 1) & mask) {
      const known = this.slotOffsets[slot] - 1;
      if (this.slotHashes[slot] === hash && this.equal(known, n)) return known;
    }
    const offset = this.store(n);
    this.slotHashes[slot] = hash;
    this.slotOffsets[slot] = offset + 1;
    if (++this.slotsFilled * 2 > this.slotOffsets.length) this.rehash();
    return offset;
  }

  /** The set at `offset`, as a new object. */
  get(offset: number): MessageIds {
    const ids: Record<string, string | string[]> = {};
    const values = this.strings.values;
    const pool = this.chunks[offset >>> chunkBits];
    let p = (offset & (chunkEntries - 1)) + 1;
    for (let e = pool[p - 1]; e > 0; e--) {
      const code = pool[p++];
      if (code < firstListCode) ids[idKeys[code]] = values[pool[p++]];
      else {
        const list = new Array<string>(pool[p++]);
        for (let j = 0; j < list.length; j++) list[j] = values[pool[p++]];
        ids[idKeys[code]] = list;
      }
    }
    return ids;
  }

  /**
   * The scratch set's first `n` entries into the pool; a set that does not fit starts a chunk (of its own size if
   * larger).
   */
  private store(n: number): number {
    let current = this.chunks[this.chunks.length - 1];
    if (current === undefined || this.last + n > current.length) {
      this.chunks.push((current = new Uint32Array(Math.max(chunkEntries, n))));
      this.last = 0;
    }
    const offset = (this.chunks.length - 1) * chunkEntries + this.last;
    current.set(this.scratch.subarray(0, n), this.last);
    this.last += n;
    this.used += n;
    return offset;
  }

  private rehash(): void {
    const hashes = this.slotHashes,
      offsets = this.slotOffsets;
    const size = offsets.length * 2,
      bits = Math.log2(size),
      mask = size - 1;
    this.slotHashes = new Int32Array(size);
    this.slotOffsets = new Uint32Array(size);
    for (let i = 0; i < offsets.length; i++) {
      if (offsets[i] === 0) continue;
      let slot = Math.imul(hashes[i], 0x9e3779b1) >>> (32 - bits);
      while (this.slotOffsets[slot] !== 0) slot = (slot + 1) & mask;
      this.slotHashes[slot] = hashes[i];
      this.slotOffsets[slot] = offsets[i];
    }
  }

  private reserve(n: number): void {
    if (n <= this.scratch.length) return;
    const bigger = new Uint32Array(Math.max(n, this.scratch.length * 2));
    bigger.set(this.scratch);
    this.scratch = bigger;
  }

  private equal(offset: number, n: number): boolean {
    const pool = this.chunks[offset >>> chunkBits],
      start = offset & (chunkEntries - 1);
    if (start + n > pool.length) return false;
    for (let j = 0; j < n; j++) if (pool[start + j] !== this.scratch[j]) return false;
    return true;
  }
}

type Column = Float64Array | Uint32Array | Uint8Array;

/** One entry per message in each. */
interface Columns {
  times: Float64Array;
  /** NaN where the message has no duration (ms null). */
  durations: Float64Array;
  kinds: Uint8Array;
  /** Numbers into the value tables (names and services share one), and id set offsets. */
  names: Uint32Array;
  services: Uint32Array;
  srcs: Uint32Array;
  dsts: Uint32Array;
  statuses: Uint32Array;
  idOffsets: Uint32Array;
  /** Index into the log's rare fields (`via`, `leg`); 0 for none. */
  extras: Uint32Array;
  /** Connection id + 1 and frame number of the first byte; 0 when unknown. */
  conns: Uint32Array;
  frames: Uint32Array;
}

function newColumns(n: number): Columns {
  return {
    times: new Float64Array(n),
    durations: new Float64Array(n),
    kinds: new Uint8Array(n),
    names: new Uint32Array(n),
    services: new Uint32Array(n),
    srcs: new Uint32Array(n),
    dsts: new Uint32Array(n),
    statuses: new Uint32Array(n),
    idOffsets: new Uint32Array(n),
    extras: new Uint32Array(n),
    conns: new Uint32Array(n),
    frames: new Uint32Array(n),
  };
}

/** Every column remade with `length` entries, entry k taken from `from(k)` of the old one. */
function remade(c: Columns, length: number, count: number, from: (k: number) => number): Columns {
  const out = newColumns(length);
  for (const key of Object.keys(c) as (keyof Columns)[]) {
    const a: Column = c[key],
      b: Column = out[key];
    for (let k = 0; k < count; k++) b[k] = a[from(k)];
  }
  return out;
}

export class MessageLog implements MessageTable {
  private n = 0;
  private c = newColumns(initialCapacity);
  private readonly names = new ValueTable<string>();
  private readonly endpoints = new ValueTable<string>();
  /** Number 0 is "no status". */
  private readonly statuses = new ValueTable<number | string | undefined>();
  private readonly idSets = new IdSetPool();
  /** Fields only proxied calls have, kept aside (entry 0: none). */
  private readonly extras: Pick<VimMessage, 'via' | 'leg'>[] = [{}];
  /** Messages not kept because the log was full. */
  dropped = 0;

  constructor(readonly limit = Number.POSITIVE_INFINITY) {
    this.statuses.numberOf(undefined);
  }

  static from(messages: Iterable<VimMessage>): MessageLog {
    const log = new MessageLog();
    for (const m of messages) log.push(m);
    return log;
  }

  get length(): number {
    return this.n;
  }

  /** Keep one message; false (and counted) when the log is full. */
  push(m: VimMessage): boolean {
    if (this.n >= this.limit) {
      this.dropped++;
      return false;
    }
    // Columns grow by doubling.
    if (this.n === this.c.times.length) this.c = remade(this.c, this.n * 2, this.n, (k) => k);
    const i = this.n++,
      c = this.c;
    c.times[i] = m.t;
    c.durations[i] = m.ms === null ? NaN : m.ms;
    c.kinds[i] = kindCode.get(m.vim)?.get(m.type) ?? 0;
    // Services are names too (a handful): one table for both.
    c.names[i] = this.names.numberOf(m.name);
    c.services[i] = this.names.numberOf(m.service);
    c.srcs[i] = this.endpoints.numberOf(m.src);
    c.dsts[i] = this.endpoints.numberOf(m.dst);
    c.statuses[i] = this.statuses.numberOf(m.status);
    c.idOffsets[i] = this.idSets.add(m.ids);
    c.extras[i] =
      m.via || m.leg ? this.extras.push({ ...(m.via ? { via: m.via } : {}), ...(m.leg ? { leg: m.leg } : {}) }) - 1 : 0;
    c.conns[i] = m.conn === undefined ? 0 : m.conn + 1;
    c.frames[i] = m.frame ?? 0;
    return true;
  }

  t(i: number): number {
    return this.c.times[i];
  }

  ms(i: number): number | null {
    const d = this.c.durations[i];
    return d === d ? d : null;
  }

  vim(i: number): Vim {
    return kinds[this.c.kinds[i]][0];
  }

  type(i: number): VimMessageType {
    return kinds[this.c.kinds[i]][1];
  }

  name(i: number): string {
    return this.names.values[this.c.names[i]];
  }

  src(i: number): string {
    return this.endpoints.values[this.c.srcs[i]];
  }

  dst(i: number): string {
    return this.endpoints.values[this.c.dsts[i]];
  }

  /** Message `i`'s ids, as a new object each call. */
  ids(i: number): MessageIds {
    return this.idSets.get(this.c.idOffsets[i]);
  }

  via(i: number): VimMessage['via'] {
    return this.extras[this.c.extras[i]].via;
  }

  /** Message `i` as an object (made on each call). Field order as `messages --json` prints it. */
  at(i: number): VimMessage {
    const [vim, type] = kinds[this.c.kinds[i]];
    const status = this.statuses.values[this.c.statuses[i]];
    const t = this.t(i),
      name = this.name(i),
      service = this.names.values[this.c.services[i]],
      src = this.src(i),
      dst = this.dst(i),
      ms = this.ms(i),
      ids = this.ids(i);
    const m: VimMessage =
      status === undefined
        ? { t, vim, type, name, service, src, dst, ms, ids }
        : { t, vim, type, name, service, src, dst, ms, status, ids };
    const e = this.c.extras[i];
    const out = e === 0 ? m : { ...m, ...this.extras[e] };
    if (this.c.conns[i] !== 0) out.conn = this.c.conns[i] - 1;
    if (this.c.frames[i] !== 0) out.frame = this.c.frames[i];
    return out;
  }

  *[Symbol.iterator](): Iterator<VimMessage> {
    for (let i = 0; i < this.n; i++) yield this.at(i);
  }

  /**
   * Put the messages in order of their first byte (stable: ties keep their arrival order).
   * Column by column through one scratch array: a whole second set of columns was the
   * largest allocation of finish().
   */
  sortByTime(): void {
    const n = this.n,
      times = this.c.times;
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) if (times[i] < times[i - 1]) sorted = false;
    if (sorted) return;
    const order = ascendingOrder(times.subarray(0, n));
    const scratch = new ArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT);
    for (const key of Object.keys(this.c) as (keyof Columns)[]) {
      const column: Column = this.c[key];
      const into: Column =
        column instanceof Float64Array
          ? new Float64Array(scratch, 0, n)
          : column instanceof Uint32Array
            ? new Uint32Array(scratch, 0, n)
            : new Uint8Array(scratch, 0, n);
      for (let k = 0; k < n; k++) into[k] = column[order[k]];
      column.set(into);
    }
  }
}
