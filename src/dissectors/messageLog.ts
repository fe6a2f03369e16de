/**
 * Every decoded message of an analysis, kept in columns for `messages` and the diagnosis.
 *
 * Why columns: the main job keeps each message to the end. As objects, a message cost a
 * VimMessage (ten fields), two boxed doubles (t, ms), its id object and its slot in an
 * array — about 250 bytes, traced by every major GC (257,400 of them on 1 GB of Nomad).
 * Here a message is 41 bytes of typed arrays — times, durations, a kind byte and numbers
 * into tables of the distinct names, endpoints and statuses — plus its id set in a pool.
 *
 * Bounded: past `limit` messages, the rest are counted, not kept (the timelines never
 * depend on this log; only `messages` and the diagnosis read it).
 */
import type { MessageIds, MessageTable, Vim, VimMessage, VimMessageType } from './types.js';
import { ascendingOrder } from '../stats/ascendingOrder.js';

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
  if (!byType) kindCode.set(vim, (byType = new Map()));
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
const idKeys = ['server', 'request', 'image', 'job', 'eval', 'alloc', 'node', 'servers', 'allocs'] as const;
const idKeyCode = new Map<string, number>(idKeys.map((k, i) => [k, i]));
const firstListCode = 7;

/**
 * Id sets as numbers in one pool: `[entries, (key code, id number | key code, length, id
 * numbers…)…]`, keys in their original order, each id string once in a table. A set equal
 * to one stored before (found by hash) is stored once: a client's polls carry the same
 * set, often a list of every allocation on the node, again and again. As objects these
 * sets were most of the log's memory (1.4 million list entries on 1 GB of Nomad).
 */
class IdSetPool {
  private pool = new Uint32Array(4096);
  private used = 0;
  private scratch = new Uint32Array(64);
  private readonly strings = new ValueTable<string>();
  private readonly byHash = new Map<number, number>();

  /** The set's offset in the pool. */
  add(ids: MessageIds): number {
    let n = 1, entries = 0;
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
    let hash = 0x811c9dc5;
    for (let j = 0; j < n; j++) hash = Math.imul(hash ^ this.scratch[j], 0x01000193);
    const known = this.byHash.get(hash);
    if (known !== undefined && this.equal(known, n)) return known;
    if (this.used + n > this.pool.length) {
      const bigger = new Uint32Array(Math.max(this.pool.length * 2, this.used + n));
      bigger.set(this.pool.subarray(0, this.used));
      this.pool = bigger;
    }
    const offset = this.used;
    this.pool.set(this.scratch.subarray(0, n), offset);
    this.used += n;
    if (known === undefined) this.byHash.set(hash, offset);
    return offset;
  }

  /** The set at `offset`, as a new object. */
  get(offset: number): MessageIds {
    const ids: Record<string, string | string[]> = {};
    const values = this.strings.values;
    let p = offset + 1;
    for (let e = this.pool[offset]; e > 0; e--) {
      const code = this.pool[p++];
      if (code < firstListCode) ids[idKeys[code]] = values[this.pool[p++]];
      else {
        const list = new Array<string>(this.pool[p++]);
        for (let j = 0; j < list.length; j++) list[j] = values[this.pool[p++]];
        ids[idKeys[code]] = list;
      }
    }
    return ids as MessageIds;
  }

  private reserve(n: number): void {
    if (n <= this.scratch.length) return;
    const bigger = new Uint32Array(Math.max(n, this.scratch.length * 2));
    bigger.set(this.scratch);
    this.scratch = bigger;
  }

  private equal(offset: number, n: number): boolean {
    if (offset + n > this.used) return false;
    for (let j = 0; j < n; j++) if (this.pool[offset + j] !== this.scratch[j]) return false;
    return true;
  }
}

/** Columns that grow by doubling. */
function grown<A extends Float64Array | Uint32Array | Uint8Array>(a: A, make: (len: number) => A): A {
  const out = make(a.length * 2);
  out.set(a);
  return out;
}

export class MessageLog implements MessageTable {
  private n = 0;
  private times = new Float64Array(initialCapacity);
  /** NaN where the message has no duration (ms null). */
  private durations = new Float64Array(initialCapacity);
  private kindCodes = new Uint8Array(initialCapacity);
  /** Numbers into the tables below, one column each. */
  private nameNumbers = new Uint32Array(initialCapacity);
  private serviceNumbers = new Uint32Array(initialCapacity);
  private srcNumbers = new Uint32Array(initialCapacity);
  private dstNumbers = new Uint32Array(initialCapacity);
  private statusNumbers = new Uint32Array(initialCapacity);
  private idOffsets = new Uint32Array(initialCapacity);
  private readonly names = new ValueTable<string>();
  private readonly endpoints = new ValueTable<string>();
  /** Number 0 is "no status". */
  private readonly statuses = new ValueTable<number | string | undefined>();
  private readonly idSets = new IdSetPool();
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
    if (this.n === this.times.length) this.grow();
    const i = this.n++;
    this.times[i] = m.t;
    this.durations[i] = m.ms === null ? NaN : m.ms;
    this.kindCodes[i] = kindCode.get(m.vim)?.get(m.type) ?? 0;
    // Services are names too (a handful): one table for both.
    this.nameNumbers[i] = this.names.numberOf(m.name);
    this.serviceNumbers[i] = this.names.numberOf(m.service);
    this.srcNumbers[i] = this.endpoints.numberOf(m.src);
    this.dstNumbers[i] = this.endpoints.numberOf(m.dst);
    this.statusNumbers[i] = this.statuses.numberOf(m.status);
    this.idOffsets[i] = this.idSets.add(m.ids);
    return true;
  }

  private grow(): void {
    const f64 = (len: number) => new Float64Array(len), u32 = (len: number) => new Uint32Array(len);
    this.times = grown(this.times, f64);
    this.durations = grown(this.durations, f64);
    this.kindCodes = grown(this.kindCodes, (len) => new Uint8Array(len));
    this.nameNumbers = grown(this.nameNumbers, u32);
    this.serviceNumbers = grown(this.serviceNumbers, u32);
    this.srcNumbers = grown(this.srcNumbers, u32);
    this.dstNumbers = grown(this.dstNumbers, u32);
    this.statusNumbers = grown(this.statusNumbers, u32);
    this.idOffsets = grown(this.idOffsets, u32);
  }

  t(i: number): number {
    return this.times[i];
  }

  ms(i: number): number | null {
    const d = this.durations[i];
    return d === d ? d : null;
  }

  vim(i: number): Vim {
    return kinds[this.kindCodes[i]][0];
  }

  type(i: number): VimMessageType {
    return kinds[this.kindCodes[i]][1];
  }

  name(i: number): string {
    return this.names.values[this.nameNumbers[i]];
  }

  src(i: number): string {
    return this.endpoints.values[this.srcNumbers[i]];
  }

  dst(i: number): string {
    return this.endpoints.values[this.dstNumbers[i]];
  }

  /** Message `i`'s ids, as a new object each call. */
  ids(i: number): MessageIds {
    return this.idSets.get(this.idOffsets[i]);
  }

  /** Message `i` as an object (made on each call). Field order as `messages --json` prints it. */
  at(i: number): VimMessage {
    const [vim, type] = kinds[this.kindCodes[i]];
    const status = this.statuses.values[this.statusNumbers[i]];
    const t = this.times[i], name = this.name(i), service = this.names.values[this.serviceNumbers[i]], src = this.src(i), dst = this.dst(i), ms = this.ms(i), ids = this.ids(i);
    return status === undefined ? { t, vim, type, name, service, src, dst, ms, ids } : { t, vim, type, name, service, src, dst, ms, status, ids };
  }

  *[Symbol.iterator](): Iterator<VimMessage> {
    for (let i = 0; i < this.n; i++) yield this.at(i);
  }

  /** Put the messages in order of their first byte (stable: ties keep their arrival order). */
  sortByTime(): void {
    const n = this.n;
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) if (this.times[i] < this.times[i - 1]) sorted = false;
    if (sorted) return;
    const order = ascendingOrder(this.times.subarray(0, n));
    const permuted = <A extends Float64Array | Uint32Array | Uint8Array>(a: A, make: (len: number) => A): A => {
      const out = make(n);
      for (let k = 0; k < n; k++) out[k] = a[order[k]];
      return out;
    };
    const f64 = (len: number) => new Float64Array(len), u32 = (len: number) => new Uint32Array(len);
    this.times = permuted(this.times, f64);
    this.durations = permuted(this.durations, f64);
    this.kindCodes = permuted(this.kindCodes, (len) => new Uint8Array(len));
    this.nameNumbers = permuted(this.nameNumbers, u32);
    this.serviceNumbers = permuted(this.serviceNumbers, u32);
    this.srcNumbers = permuted(this.srcNumbers, u32);
    this.dstNumbers = permuted(this.dstNumbers, u32);
    this.statusNumbers = permuted(this.statusNumbers, u32);
    this.idOffsets = permuted(this.idOffsets, u32);
  }
}
