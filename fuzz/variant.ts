/**
 * One damaged variant of a capture, made from (seed, variant number) alone: which
 * capture, which part of it (whole, or a window of packets: every connection then starts
 * mid-stream), which mutations, which file format, and how the library is fed.
 */
import type { ProtocolLimits } from '../src/protocols/types.js';
import type { ReassemblyLimits } from '../src/net/types.js';
import { writeRecords, type BaseRecord, type CaptureBase, type WrittenFormat } from './captureBase.js';
import { byteMutations, recordMutations, type ByteMutation, type RecordMutation } from './mutations.js';
import { controlCharsInIds, hostileRecordMutations } from './hostileMutations.js';
import { Prng } from './prng.js';

export interface Variant {
  index: number;
  capture: string;
  /** Mutation kind for the summary: `drop-packets`, `bit-flips@gzip`, `combo`, … */
  kind: string;
  /** What was done, step by step. */
  notes: string[];
  bytes: Uint8Array;
  /** Feed the library a file path, or a stream with this chunk size. */
  streamChunk: number | null;
  /** Small limits now and then, so limit paths meet damaged input too. */
  limits?: Partial<ProtocolLimits>;
  reassembly?: Partial<ReassemblyLimits>;
}

export interface VariantOptions {
  /** Share of variants made from the whole capture (the rest from a window of packets). */
  wholeFraction: number;
  /** Largest window of packets (default 4000). */
  maxWindow?: number;
}

const formats: WrittenFormat[] = ['pcap', 'pcapng'];

export function makeVariant(bases: readonly CaptureBase[], seed: number, index: number, o: VariantOptions): Variant {
  const rng = Prng.forVariant(seed, index);
  const base = rng.pick(bases);
  const notes: string[] = [];
  let records: BaseRecord[] = base.records;
  const whole = rng.chance(o.wholeFraction);
  if (!whole) {
    const len = rng.logInt(20, Math.min(o.maxWindow ?? 4000, records.length));
    const start = rng.int(0, records.length - len);
    records = records.slice(start, start + len);
    notes.push(`packets #${start + 1}..#${start + len}`);
  } else notes.push('whole capture');

  const plan = rng.next();
  const recordSteps: RecordMutation[] = [];
  const byteSteps: ByteMutation[] = [];
  // An attacker's shapes in one variant out of six, on the plain file (ids) or the records.
  if (plan < 0.12) recordSteps.push(rng.pick(hostileRecordMutations));
  else if (plan < 0.16) byteSteps.push(controlCharsInIds);
  else if (plan < 0.45) recordSteps.push(rng.pick(recordMutations));
  else if (plan < 0.9) byteSteps.push(rng.pick(byteMutations));
  else {
    for (let i = rng.int(1, 2); i > 0; i--) recordSteps.push(rng.pick(recordMutations));
    for (let i = rng.int(1, 2); i > 0; i--) byteSteps.push(rng.pick(byteMutations));
  }
  for (const m of recordSteps) {
    const r = m.apply(rng, records);
    records = r.value;
    notes.push(`${m.kind}: ${r.note}`);
  }

  let bytes: Uint8Array;
  const gzip = rng.chance(byteSteps.length ? 0.4 : 0.25);
  if (whole && recordSteps.length === 0) {
    bytes = gzip ? base.gzip : base.plain;
    notes.push(`original file${gzip ? ', gzip' : ''}`);
  } else {
    const format = rng.pick(formats);
    bytes = writeRecords(records, format, base.tsPrecision, gzip);
    notes.push(`written as ${format}${gzip ? ', gzip' : ''}`);
  }
  for (const m of byteSteps) {
    const r = m.apply(rng, bytes);
    bytes = r.value;
    notes.push(`${m.kind}: ${r.note}`);
  }

  const kinds = [...recordSteps, ...byteSteps].map((m) => m.kind);
  const kind = kinds.length > 1 ? 'combo' : byteSteps.length ? `${kinds[0]}@${gzip ? 'gzip' : 'plain'}` : kinds[0];
  const streamChunk = rng.chance(0.3) ? Math.max(rng.logInt(1, 1 << 20), Math.ceil(bytes.length / 20000)) : null;
  const v: Variant = { index, capture: base.name, kind, notes, bytes, streamChunk };
  if (rng.chance(0.1)) {
    v.limits = {
      maxBodyBytes: rng.logInt(16, 65536),
      maxHeaderBytes: rng.logInt(64, 8192),
      maxFrameBytes: rng.logInt(64, 1 << 20),
    };
    v.reassembly = {
      maxBufferedBytesPerDirection: rng.logInt(1, 1 << 16),
      maxBufferedBytesTotal: rng.logInt(1, 1 << 20),
      maxConnections: rng.logInt(1, 64),
    };
    notes.push(`small limits ${JSON.stringify({ ...v.limits, ...v.reassembly })}`);
  }
  return v;
}
