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

const day = 86_400_000_000_000n;
const minute = 60_000_000_000n;

/** Where the network-layer packet starts, and where its EtherType field is, for the link types of the shared captures. */
const linkHeaders: ReadonlyMap<number, { l3: number; etherTypeAt: number }> = new Map([
  [1, { l3: 14, etherTypeAt: 12 }],
  [113, { l3: 16, etherTypeAt: 14 }],
  [276, { l3: 20, etherTypeAt: 0 }],
]);

const u16be = (v: number) => [(v >>> 8) & 0xff, v & 0xff];

/** A bare IPv4 header around `payload` (checksum zero: nobody checks it). */
function outerIpv4(protocol: number, payload: Uint8Array): Uint8Array {
  const total = 20 + payload.length;
  const h = Uint8Array.of(0x45, 0, ...u16be(total), 0, 1, 0, 0, 64, protocol, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2);
  const out = new Uint8Array(total);
  out.set(h);
  out.set(payload, 20);
  return out;
}

const join = (...parts: (Uint8Array | number[])[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Tunnels the fuzzer wraps packets in: inner packet (with its EtherType) → [outer EtherType, outer packet]. */
const tunnels: { name: string; wrap: (l3: Uint8Array, etherType: number) => [number, Uint8Array] }[] = [
  {
    name: 'VXLAN',
    wrap: (l3, et) => [
      0x0800,
      outerIpv4(
        17,
        join(
          [0xc3, 0x50, 0x12, 0xb5, ...u16be(8 + 8 + 14 + l3.length), 0, 0],
          [8, 0, 0, 0, 0, 0, 42, 0],
          [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ...u16be(et)],
          l3,
        ),
      ),
    ],
  },
  {
    name: 'Geneve',
    wrap: (l3, et) => [
      0x0800,
      outerIpv4(
        17,
        join(
          [0xc3, 0x50, 0x17, 0xc1, ...u16be(8 + 8 + 14 + l3.length), 0, 0],
          [0, 0, 0x65, 0x58, 0, 0, 42, 0],
          [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ...u16be(et)],
          l3,
        ),
      ),
    ],
  },
  { name: 'GRE', wrap: (l3, et) => [0x0800, outerIpv4(47, join([0, 0, ...u16be(et)], l3))] },
  { name: 'IP in IP', wrap: (l3, et) => [0x0800, outerIpv4(et === 0x86dd ? 41 : 4, l3)] },
  { name: 'MPLS', wrap: (l3) => [0x8847, join([0, 0x64, 0x01, 64], l3)] },
];

/** More of the ways third-party captures differ from ours (issue 20): each hits a path of the readers or the net stage. */
export const thirdPartyRecordMutations: RecordMutation[] = [
  {
    kind: 'time-jumps',
    apply(rng, records) {
      // Merged captures: a run of packets moved by days or years, forward or back.
      const hit = positions(rng, records.length, howMany(rng, records.length));
      const days = BigInt(rng.logInt(1, 4000)) * (rng.chance(0.5) ? 1n : -1n);
      const from = hit[0];
      const out = records.map((r, i) =>
        i >= from && (rng.chance(0.5) || hit.includes(i))
          ? { ...r, ts: r.ts + days * day > 0n ? r.ts + days * day : r.ts }
          : r,
      );
      return { value: out, note: `moved packets from #${from + 1} by ${days} days` };
    },
  },
  {
    kind: 'idle-gap',
    apply(rng, records) {
      // Every connection falls quiet for longer than the idle limit (10 min) and resumes: mid-message where it was mid-message.
      const from = rng.int(1, Math.max(1, records.length - 1));
      const minutes = BigInt(rng.int(11, 120));
      const out = records.map((r, i) => (i >= from ? { ...r, ts: r.ts + minutes * minute } : r));
      return { value: out, note: `packets from #${from + 1} moved ${minutes} minutes later` };
    },
  },
  {
    kind: 'captured-over-wire',
    apply(rng, records) {
      const hit = positions(rng, records.length, howMany(rng, records.length));
      const out = records.slice();
      for (const i of hit) out[i] = { ...out[i], origLen: rng.int(0, Math.max(0, out[i].data.length - 1)) };
      return { value: out, note: `captured length above wire length in ${hit.length} packets from #${hit[0] + 1}` };
    },
  },
  {
    kind: 'encapsulate',
    apply(rng, records) {
      const hit = positions(rng, records.length, howMany(rng, records.length) * 4);
      const depth = rng.chance(0.1) ? rng.int(2, 12) : 1;
      const chosen = Array.from({ length: depth }, () => rng.pick(tunnels));
      const out = records.slice();
      let n = 0;
      for (const i of hit) {
        const r = out[i];
        const link = linkHeaders.get(r.linkType);
        if (!link || r.data.length < link.l3) continue;
        let et = (r.data[link.etherTypeAt] << 8) | r.data[link.etherTypeAt + 1];
        let l3 = r.data.subarray(link.l3);
        for (const t of chosen) [et, l3] = t.wrap(l3, et);
        const head = r.data.slice(0, link.l3);
        head.set(u16be(et), link.etherTypeAt);
        const data = join(head, l3);
        out[i] = { ...r, data, origLen: r.origLen + data.length - r.data.length };
        n++;
      }
      return {
        value: out,
        note: `wrapped ${n} packets from #${hit[0] + 1} in ${chosen.map((t) => t.name).join(' in ')}`,
      };
    },
  },
];

export const recordMutations: RecordMutation[] = [
  {
    kind: 'drop-packets',
    apply(rng, records) {
      const drop = new Set(positions(rng, records.length, howMany(rng, records.length)));
      return {
        value: records.filter((_, i) => !drop.has(i)),
        note: `dropped ${drop.size} packets from #${Math.min(...drop) + 1}`,
      };
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
  ...thirdPartyRecordMutations,
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
    kind: 'fcs-flags',
    apply(rng, bytes) {
      // A classic pcap's link-type field with the FCS bits set (bit 26, length in bits 28-31).
      const out = bytes.slice();
      const le = out[0] === 0xd4 || out[0] === 0x4d;
      const isPcap = out.length >= 24 && (le || out[0] === 0xa1);
      if (!isPcap) return { value: out, note: 'not a plain classic pcap: unchanged' };
      const words = rng.int(0, 15);
      const flags = (words << 28) | 0x0400_0000;
      const at = le ? 23 : 20;
      out[at] = (out[at] & 0x03) | (flags >>> 24);
      return { value: out, note: `FCS of ${words * 2} bytes flagged in the link-type field` };
    },
  },
  {
    kind: 'old-pcap-version',
    apply(rng, bytes) {
      // A classic pcap of a version before 2.3 (or DG/UX's 543): its records' two lengths in the
      // old order when the file is really old, or left in the new order (a writer that lied).
      const out = bytes.slice();
      const le = out[0] === 0xd4 || out[0] === 0x4d;
      if (out.length < 24 || !(le || out[0] === 0xa1))
        return { value: out, note: 'not a plain classic pcap: unchanged' };
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      const [major, minor] = rng.pick([
        [2, 0],
        [2, 1],
        [2, 2],
        [2, 3],
        [543, 0],
      ] as const);
      view.setUint16(4, major, le);
      view.setUint16(6, minor, le);
      const swap = rng.chance(0.5);
      let records = 0;
      if (swap) {
        for (let p = 24; p + 16 <= out.length; records++) {
          const incl = view.getUint32(p + 8, le);
          view.setUint32(p + 8, view.getUint32(p + 12, le), le);
          view.setUint32(p + 12, incl, le);
          p += 16 + incl;
        }
      }
      return {
        value: out,
        note: `version ${major}.${minor}${swap ? `, lengths of ${records} records swapped` : ', lengths left in 2.4 order'}`,
      };
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
