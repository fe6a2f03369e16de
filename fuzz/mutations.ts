/**
 * The ways the fuzzer damages a capture, as tables. Record mutations act on the packet
 * list (what a lossy or reordering capture does); byte mutations act on the file (what a
 * cut-short download, a bad disk or a broken copy does), in its plain or gzip form.
 * Each returns a new array and a note saying exactly what it did (for reproduction).
 */
import type { BaseRecord } from './captureBase.js';
import type { Prng } from './prng.js';

export interface Mutated<T> {
  value: T;
  note: string;
}

export interface RecordMutation {
  kind: string;
  apply(rng: Prng, records: BaseRecord[]): Mutated<BaseRecord[]>;
}

export interface ByteMutation {
  kind: string;
  apply(rng: Prng, bytes: Uint8Array): Mutated<Uint8Array>;
}

/** How many packets one mutation touches: mostly a few, sometimes many. */
const howMany = (rng: Prng, n: number): number => Math.min(n, rng.logInt(1, Math.max(1, Math.min(200, n >> 2))));

/** Distinct sorted positions in [0, n). */
function positions(rng: Prng, n: number, k: number): number[] {
  const set = new Set<number>();
  if (rng.chance(0.3)) {
    // A burst: k consecutive packets (a lossy moment), not k scattered ones.
    const start = rng.int(0, Math.max(0, n - k));
    for (let i = start; i < Math.min(n, start + k); i++) set.add(i);
  } else {
    while (set.size < k) set.add(rng.int(0, n - 1));
  }
  return [...set].sort((a, b) => a - b);
}

export const recordMutations: RecordMutation[] = [
  {
    kind: 'drop-packets',
    apply(rng, records) {
      const drop = new Set(positions(rng, records.length, howMany(rng, records.length)));
      return { value: records.filter((_, i) => !drop.has(i)), note: `dropped ${drop.size} packets from #${Math.min(...drop) + 1}` };
    },
  },
  {
    kind: 'duplicate-packets',
    apply(rng, records) {
      const dup = new Set(positions(rng, records.length, howMany(rng, records.length)));
      const out: BaseRecord[] = [];
      records.forEach((r, i) => {
        out.push(r);
        if (dup.has(i)) out.push(r);
      });
      return { value: out, note: `duplicated ${dup.size} packets from #${Math.min(...dup) + 1}` };
    },
  },
  {
    kind: 'reorder-packets',
    apply(rng, records) {
      const out = records.slice();
      const window = rng.int(2, 8);
      const starts = positions(rng, Math.max(1, out.length - window), howMany(rng, out.length));
      for (const s of starts) {
        // Fisher-Yates inside [s, s + window): packets arrive out of order, times unchanged.
        for (let i = Math.min(out.length, s + window) - 1; i > s; i--) {
          const j = rng.int(s, i);
          [out[i], out[j]] = [out[j], out[i]];
        }
      }
      return { value: out, note: `shuffled ${starts.length} windows of ${window} packets` };
    },
  },
  {
    kind: 'corrupt-packets',
    apply(rng, records) {
      const hit = positions(rng, records.length, howMany(rng, records.length));
      const out = records.slice();
      for (const i of hit) {
        const data = out[i].data.slice();
        if (data.length === 0) continue;
        for (let f = rng.int(1, 8); f > 0; f--) data[rng.int(0, data.length - 1)] ^= 1 << rng.int(0, 7);
        out[i] = { ...out[i], data };
      }
      return { value: out, note: `flipped bits in ${hit.length} packets from #${hit[0] + 1}` };
    },
  },
  {
    kind: 'cut-packets',
    apply(rng, records) {
      const hit = positions(rng, records.length, howMany(rng, records.length));
      const out = records.slice();
      // Like a small snaplen: the frame is shorter than on the wire (origLen kept).
      for (const i of hit) out[i] = { ...out[i], data: out[i].data.subarray(0, rng.int(0, out[i].data.length)) };
      return { value: out, note: `cut ${hit.length} packets short from #${hit[0] + 1}` };
    },
  },
];

export const byteMutations: ByteMutation[] = [
  {
    kind: 'truncate',
    apply(rng, bytes) {
      const at = rng.chance(0.1) ? rng.int(0, Math.min(bytes.length, 64)) : rng.int(0, bytes.length);
      return { value: bytes.subarray(0, at), note: `cut at byte ${at} of ${bytes.length}` };
    },
  },
  {
    kind: 'bit-flips',
    apply(rng, bytes) {
      const out = bytes.slice();
      const n = rng.logInt(1, 64);
      for (let i = 0; i < n && out.length; i++) out[rng.int(0, out.length - 1)] ^= 1 << rng.int(0, 7);
      return { value: out, note: `${n} bit flips` };
    },
  },
  {
    kind: 'zero-block',
    apply(rng, bytes) {
      const out = bytes.slice();
      const len = rng.logInt(1, 65536);
      const at = rng.int(0, Math.max(0, out.length - 1));
      out.fill(0, at, at + len);
      return { value: out, note: `zeroed ${len} bytes at ${at}` };
    },
  },
  {
    kind: 'duplicate-block',
    apply(rng, bytes) {
      const len = rng.logInt(1, 65536);
      const at = rng.int(0, Math.max(0, bytes.length - 1));
      const block = bytes.subarray(at, at + len);
      const out = new Uint8Array(bytes.length + block.length);
      out.set(bytes.subarray(0, at + block.length));
      out.set(block, at + block.length);
      out.set(bytes.subarray(at + block.length), at + 2 * block.length);
      return { value: out, note: `duplicated ${block.length} bytes at ${at}` };
    },
  },
];
