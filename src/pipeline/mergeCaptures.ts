/**
 * Several captures of one experiment (e.g. `tcpdump -i any` on the core host and on the
 * compute host): find the TCP segments seen in more than one, estimate each capture's
 * clock offset against the first from them, and merge everything into one time-ordered
 * packet sequence on the first capture's clock, each segment once (its earliest sighting).
 *
 * The offset is bounded by causality: a segment sent by a capture's own host is stamped
 * there before the other capture can see it, and one it receives after. Captures on the
 * same segment see a packet at the same instant: their median difference is the offset.
 * The captures are held in memory while merging.
 */
import { captureSourceName, readCapture, type CaptureSource } from '../capture/readCapture.js';
import type { SessionClock } from '../capture/sessionClock.js';
import type { CaptureSummary, CaptureWarning, PacketRecord } from '../capture/types.js';
import { linkDecoders, etherTypes, type LinkDecoded } from '../net/linkLayers.js';
import {
  addressText,
  decodeIpv4,
  decodeIpv6,
  destinationAddress,
  emptyIpView,
  ipPayload,
  ipProtocols,
  sourceAddress,
  type IpView,
} from '../net/ipPacket.js';
import { ClockBounds } from '../timeline/clockBounds.js';
import type { ClockEstimate } from '../timeline/types.js';
import { inferVantage, type Vantage } from './vantage.js';

interface HeldRecord extends PacketRecord {
  /** Segment fingerprint (null for non-TCP). */
  key: string | null;
  src: string;
  dst: string;
  /** Index of the capture it came from. */
  from?: number;
}

export interface LoadedCapture {
  file: string;
  summary: CaptureSummary;
  records: HeldRecord[];
  vantage: Vantage;
}

const link: LinkDecoded = { offset: 0, etherType: 0, ifIndex: -1 };
const ip: IpView = emptyIpView();

/** A TCP segment's identity across captures: addresses, ports, seq, ack, flags, length. */
function fingerprint(r: PacketRecord): { key: string; src: string; dst: string } | null {
  const ld = linkDecoders.get(r.linkType);
  const b = r.bytes;
  if (!ld || !ld.decode(b, 0, b.length, link)) return null;
  const res =
    link.etherType === etherTypes.ipv4
      ? decodeIpv4(b, link.offset, b.length, ip)
      : link.etherType === etherTypes.ipv6
        ? decodeIpv6(b, link.offset, b.length, ip)
        : 'bad';
  if (res !== 'ok' || ip.protocol !== ipProtocols.tcp || ip.fragment || ip.payloadEnd - ip.payloadOff < 20) return null;
  const t = ipPayload(ip);
  const src = addressText(sourceAddress(ip)),
    dst = addressText(destinationAddress(ip));
  const key =
    `${src}:${(t[0] << 8) | t[1]}>${dst}:${(t[2] << 8) | t[3]}` +
    `#${((t[4] << 24) | (t[5] << 16) | (t[6] << 8) | t[7]) >>> 0}` +
    `/${((t[8] << 24) | (t[9] << 16) | (t[10] << 8) | t[11]) >>> 0}/${t[13]}/${t.length}`;
  return { key, src, dst };
}

export async function loadCapture(
  source: CaptureSource,
  clock: SessionClock,
  warn: (w: CaptureWarning) => void,
  signal?: AbortSignal,
): Promise<LoadedCapture> {
  const records: HeldRecord[] = [];
  const summary = await readCapture(
    source,
    (r) => {
      const f = fingerprint(r);
      records.push({
        ts: r.ts,
        linkType: r.linkType,
        bytes: r.bytes.slice(),
        origLen: r.origLen,
        iface: r.iface,
        frame: r.frame,
        key: f?.key ?? null,
        src: f?.src ?? '',
        dst: f?.dst ?? '',
      });
    },
    { clock, onWarning: warn, signal },
  );
  return { file: captureSourceName(source), summary, records, vantage: vantageOf(records) };
}

/** Vantage from the held records' address pairs (same rule as inferVantage). */
function vantageOf(records: readonly HeldRecord[]): Vantage {
  const pairs = new Map<string, { a: string; b: string }>();
  for (const r of records) {
    if (!r.key) continue;
    const [a, b] = r.src < r.dst ? [r.src, r.dst] : [r.dst, r.src];
    pairs.set(`${a}|${b}`, { a, b });
  }
  const conns = [...pairs.values()].map((p) => ({
    info: { id: 0, client: { ip: p.a, port: 0 }, server: { ip: p.b, port: 0 }, sawSyn: false, startTs: 0 },
    packets: [1, 0] as [number, number],
    bytes: [1, 0] as [number, number],
    gaps: [0, 0] as [number, number],
    gapBytes: [0, 0] as [number, number],
    retransmissions: [0, 0] as [number, number],
    outOfOrder: [0, 0] as [number, number],
    lastTs: 0,
    head: [null, null] as [null, null],
    closed: null,
  }));
  // Several address pairs are needed to tell one host's view from a two-host segment.
  return conns.length > 1
    ? inferVantage(conns)
    : { kind: 'shared-segment', observers: [], seenThroughPeer: [], text: 'one pair of hosts' };
}

/** Offset of capture `b` against capture `a` (b's clock − a's clock) from shared segments. */
export function captureOffset(a: LoadedCapture, b: LoadedCapture): ClockEstimate | null {
  const first = new Map<string, HeldRecord>();
  for (const r of a.records) if (r.key && !first.has(r.key)) first.set(r.key, r);
  const bounds = new ClockBounds();
  const diffs: number[] = [];
  const obsA = new Set(a.vantage.observers),
    obsB = new Set(b.vantage.observers);
  const seen = new Set<string>();
  for (const r of b.records) {
    if (!r.key || seen.has(r.key)) continue;
    seen.add(r.key);
    const ra = first.get(r.key);
    if (!ra) continue;
    const d = r.ts - ra.ts;
    diffs.push(d);
    // Sent from b's host (or received by a's): b saw it first, so offset ≥ d; and the reverse.
    if (obsB.has(r.src) || obsA.has(r.dst)) bounds.before(d, 0);
    if (obsB.has(r.dst) || obsA.has(r.src)) bounds.after(d, 0);
  }
  if (diffs.length === 0) return null;
  const causal = bounds.estimate('TCP segments seen in both captures (causal bounds)');
  if (causal) return causal;
  diffs.sort((x, y) => x - y);
  const med = diffs[Math.floor(diffs.length / 2)];
  const q1 = diffs[Math.floor(diffs.length / 4)],
    q3 = diffs[Math.floor((3 * diffs.length) / 4)];
  return {
    offsetMs: med / 1e6,
    uncertaintyMs: Math.max((q3 - q1) / 2, 1000) / 1e6,
    source: 'TCP segments seen in both captures (median)',
    constraints: diffs.length,
  };
}

export interface MergedCaptures {
  records: PacketRecord[];
  offsets: Record<string, ClockEstimate>;
  duplicates: number;
  warnings: string[];
}

/** Shift every capture onto the first one's clock and merge, each segment once. */
export function mergeLoaded(loaded: LoadedCapture[]): MergedCaptures {
  const offsets: Record<string, ClockEstimate> = {};
  const warnings: string[] = [];
  const all: HeldRecord[] = loaded[0].records.map((r) => ({ ...r, from: 0 }));
  for (const [i, c] of loaded.entries()) {
    if (i === 0) continue;
    const off = captureOffset(loaded[0], c);
    if (!off) warnings.push(`${c.file}: no TCP segment in common with ${loaded[0].file}; merged on its own clock`);
    else offsets[`capture:${c.file}`] = off;
    const shift = off ? Math.round(off.offsetMs * 1e6) : 0;
    for (const r of c.records) all.push({ ...r, ts: r.ts - shift, from: i });
  }
  all.sort((x, y) => x.ts - y.ts);
  // A segment already taken from another capture is dropped (a retransmission inside
  // one capture is not: the TCP stage counts those).
  const kept = new Map<string, number>();
  const records: PacketRecord[] = [];
  let duplicates = 0;
  for (const r of all) {
    if (r.key) {
      const from = kept.get(r.key);
      if (from !== undefined && from !== r.from) {
        duplicates++;
        continue;
      }
      kept.set(r.key, r.from!);
    }
    records.push({
      ts: r.ts,
      linkType: r.linkType,
      bytes: r.bytes,
      origLen: r.origLen,
      iface: r.iface,
      frame: r.frame,
    });
  }
  return { records, offsets, duplicates, warnings };
}
