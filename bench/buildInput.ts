/**
 * Builds large benchmark captures from the shared ones, outside git: the source capture
 * repeated N times, each copy shifted in time (after the previous one), in address space
 * (10.A.B.x: the copy number goes in the middle octets) and in its ids (every UUID in the
 * bytes gets copy-specific first digits), so every copy's connections, servers, allocs,
 * evals and request ids are its own: 1 GB of input is a 1 GB experiment, not the same 30
 * boots seen 60 times (which the correlators folded into one set of requests, and which
 * let dedup-by-id shortcuts look better than they are). Output: classic pcap with
 * nanosecond timestamps, either as captured (Ethernet) or rewritten to Linux cooked v2
 * (SLL2, what `tcpdump -i any` writes on the core host).
 */
import { createWriteStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { readCapture } from '../src/capture/readCapture.js';
import type { PacketRecord } from '../src/capture/types.js';
import { SessionClock } from '../src/capture/sessionClock.js';

interface Frame {
  ts: number;
  linkType: number;
  bytes: Uint8Array;
  origLen: number;
  /** The id digits to rewrite in this frame: [byte offset, id number, digit 0–3] triples. */
  digits: number[];
}

/** Bumped when the inputs change meaning: cached files of another version are rebuilt. */
const inputVersion = 5;

/** UUIDs with dashes (servers, allocs, requests) and as 32 hex digits (oslo's _unique_id, _msg_id). */
const uuidPattern =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/g;

const hex = '0123456789abcdef';
/** Added (mod 16^4) to an id's first four hex digits, times the copy number. */
const copyStep = 40503;

/** Where a TCP payload lies in an Ethernet/IPv4 frame, and its direction; null for anything else. */
function tcpPayload(f: Uint8Array): { key: string; start: number } | null {
  if (f.length < 54 || ((f[12] << 8) | f[13]) !== 0x0800 || f[23] !== 6) return null;
  const ihl = (f[14] & 0x0f) * 4;
  const tcp = 14 + ihl;
  const start = tcp + (f[tcp + 12] >> 4) * 4;
  if (start >= f.length) return null;
  return { key: `${f.subarray(26, 34).join('.')}:${f.subarray(tcp, tcp + 4).join('.')}`, start };
}

/**
 * Finds the ids in each direction's byte stream (payloads in capture order), so that an
 * id split across two segments is found too (oslo replies often are), and records, per
 * frame, where each of its first four digits lies. Returns each id's original value.
 */
function findIdDigits(frames: Frame[]): number[] {
  const streams = new Map<
    string,
    { text: string[]; at: { frame: number; start: number; offset: number; length: number }[]; length: number }
  >();
  frames.forEach((f, i) => {
    const p = tcpPayload(f.bytes);
    if (!p) return;
    let s = streams.get(p.key);
    if (!s) streams.set(p.key, (s = { text: [], at: [], length: 0 }));
    const payload = f.bytes.subarray(p.start);
    s.text.push(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('latin1'));
    s.at.push({ frame: i, start: p.start, offset: s.length, length: payload.length });
    s.length += payload.length;
  });
  const values: number[] = [];
  for (const s of streams.values()) {
    const text = s.text.join('');
    let seg = 0;
    for (const m of text.matchAll(uuidPattern)) {
      const id = values.length;
      values.push(parseInt(m[0].slice(0, 4), 16));
      for (let d = 0; d < 4; d++) {
        const o = m.index + d;
        while (s.at[seg].offset + s.at[seg].length <= o) seg++;
        const a = s.at[seg];
        frames[a.frame].digits.push(a.start + (o - a.offset), id, d);
      }
    }
  }
  return values;
}

/** The same id maps to the same id everywhere in one copy, and differently in every copy. */
function rewriteIds(out: Uint8Array, digits: readonly number[], values: readonly number[], copy: number): void {
  for (let k = 0; k < digits.length; k += 3) {
    const v = (values[digits[k + 1]] + copy * copyStep) & 0xffff;
    out[digits[k]] = hex.charCodeAt((v >> (4 * (3 - digits[k + 2]))) & 15);
  }
}

async function loadFrames(
  source: string,
): Promise<{ frames: Frame[]; values: number[]; epochNs: bigint; linkType: number }> {
  const frames: Frame[] = [];
  const clock = new SessionClock();
  // A copy: Buffer's slice() is a view into the reader's chunk, not a copy.
  await readCapture(
    source,
    (r: PacketRecord) =>
      frames.push({ ts: r.ts, linkType: r.linkType, bytes: new Uint8Array(r.bytes), origLen: r.origLen, digits: [] }),
    { clock },
  );
  const values = findIdDigits(frames);
  return { frames, values, epochNs: clock.epochNs ?? 0n, linkType: frames[0]?.linkType ?? 1 };
}

/** Rewrite the middle octets of IPv4 addresses in an Ethernet frame (in place on a copy). */
function shiftAddresses(f: Uint8Array, copy: number): Uint8Array {
  const out = new Uint8Array(f); // a copy (f may be a Buffer, whose slice() is a view)
  if (out.length < 34 || ((out[12] << 8) | out[13]) !== 0x0800) return out;
  const a = (copy >> 8) & 0xff,
    b = copy & 0xff;
  out[27] = a;
  out[28] = b; // source 10.A.B.x
  out[31] = a;
  out[32] = b; // destination
  // Keep the IPv4 header checksum valid: recompute it.
  out[24] = 0;
  out[25] = 0;
  const ihl = (out[14] & 0x0f) * 4;
  let sum = 0;
  for (let i = 14; i < 14 + ihl; i += 2) sum += (out[i] << 8) | out[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const ck = ~sum & 0xffff;
  out[24] = ck >> 8;
  out[25] = ck & 0xff;
  return out;
}

/** Client (ephemeral, ≥ 10000) TCP ports moved by copy, so copies sharing addresses never share a connection. */
function shiftClientPorts(out: Uint8Array, copy: number): void {
  if (out.length < 34 || ((out[12] << 8) | out[13]) !== 0x0800 || out[23] !== 6) return;
  const tcp = 14 + (out[14] & 0x0f) * 4;
  if (out.length < tcp + 4) return;
  for (const at of [tcp, tcp + 2]) {
    const port = (out[at] << 8) | out[at + 1];
    if (port < 10000) continue;
    const moved = 10000 + ((port - 10000 + copy * 997) % 55536);
    out[at] = moved >> 8;
    out[at + 1] = moved & 0xff;
  }
}

/** The link layer the built capture is written with. */
export type BenchLink = 'as-captured' | 'sll2';

/** An Ethernet frame as `tcpdump -i any` writes it: the 14-byte header replaced by SLL2's 20 (interface 2, host-bound). */
function ethernetToSll2(f: Uint8Array): Uint8Array {
  const out = new Uint8Array(f.length + 6);
  out[0] = f[12];
  out[1] = f[13]; // protocol type: the EtherType
  out[7] = 2; // interface index
  out[9] = 1; // ARPHRD_ETHER
  out[11] = 6; // address length
  out.set(f.subarray(6, 12), 12); // the sender's MAC
  out.set(f.subarray(14), 20);
  return out;
}

/**
 * `addressBlocks`: copies cycle through this many address blocks (default: each its own), as
 * a fleet's requests come from a fixed set of hosts; client ports and ids stay distinct per
 * copy (so do connections).
 */
export async function buildRepeatedCapture(
  source: string,
  target: string,
  minBytes: number,
  addressBlocks = 0,
  link: BenchLink = 'as-captured',
): Promise<{ bytes: number; copies: number; packets: number }> {
  try {
    const s = await stat(target);
    const meta = JSON.parse(await readFile(`${target}.json`, 'utf8')) as {
      bytes: number;
      copies: number;
      packets: number;
      version?: number;
      addressBlocks?: number;
    };
    if (
      s.size >= minBytes &&
      meta.bytes === s.size &&
      meta.version === inputVersion &&
      (meta.addressBlocks ?? 0) === addressBlocks
    )
      return meta;
  } catch {
    /* build it */
  }
  const loaded = await loadFrames(source);
  const { frames, values, epochNs } = loaded;
  const toSll2 = link === 'sll2' && loaded.linkType === 1;
  const linkType = toSll2 ? 276 : loaded.linkType;
  const span = frames.length ? frames[frames.length - 1].ts - frames[0].ts : 0;
  const step = span + 1e9;
  const ws = createWriteStream(target);
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b23c4d, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(linkType, 20);
  ws.write(header);
  let bytes = 24,
    copies = 0,
    packets = 0;
  while (bytes < minBytes) {
    const parts: Buffer[] = [];
    for (const f of frames) {
      const abs = epochNs + BigInt(Math.round(f.ts + copies * step));
      const rec = Buffer.alloc(16);
      rec.writeUInt32LE(Number(abs / 1_000_000_000n), 0);
      rec.writeUInt32LE(Number(abs % 1_000_000_000n), 4);
      const shifted = shiftAddresses(f.bytes, (addressBlocks > 0 ? copies % addressBlocks : copies) + 1);
      if (addressBlocks > 0) shiftClientPorts(shifted, copies);
      rewriteIds(shifted, f.digits, values, copies + 1);
      const bytesOut = toSll2 ? ethernetToSll2(shifted) : shifted;
      rec.writeUInt32LE(bytesOut.length, 8);
      rec.writeUInt32LE(f.origLen + bytesOut.length - f.bytes.length, 12);
      parts.push(rec, Buffer.from(bytesOut.buffer, bytesOut.byteOffset, bytesOut.byteLength));
      bytes += 16 + bytesOut.length;
      packets++;
    }
    if (!ws.write(Buffer.concat(parts))) await once(ws, 'drain');
    copies++;
  }
  ws.end();
  await once(ws, 'finish');
  await writeFile(
    `${target}.json`,
    JSON.stringify({ bytes, copies, packets, version: inputVersion, ...(addressBlocks ? { addressBlocks } : {}) }),
  );
  return { bytes, copies, packets };
}
