/**
 * One direction of a yamux session: TCP bytes in, per-stream events out.
 *
 * Data payload bytes are handed on as views of the TCP chunk that carried them (with
 * that chunk's timestamp), so a stream's bytes keep the time they crossed the wire.
 * When bytes were lost (`gap`) or the session is seen from its middle, the decoder
 * resynchronises on a plausible header confirmed by the header that follows it, and
 * tells every stream of this direction that it lost bytes (`streamGap`).
 */
import type { Direction } from '../../net/types.js';
import { count, type ProtocolContext } from '../types.js';
import {
  YamuxFlag,
  YamuxType,
  yamuxGoAwayReasons,
  yamuxHeaderBytes,
  yamuxKnownFlags,
  yamuxMaxPlausibleWindowDelta,
  yamuxVersion,
} from './constants.js';

export interface YamuxHeader {
  version: number;
  type: number;
  flags: number;
  streamId: number;
  length: number;
}

export type YamuxCloseReason = 'fin' | 'rst' | 'go-away' | 'end';

export interface YamuxEvents {
  /** Every decoded frame header (counting, tests). */
  frame?(h: YamuxHeader, ts: number): void;
  /** First sight of a stream in this direction: at its start (SYN or ACK), or mid-stream (`fromStart` false). */
  streamOpen(streamId: number, fromStart: boolean, ts: number): void;
  data(streamId: number, bytes: Uint8Array, ts: number): void;
  /** Bytes of this stream were lost (-1: unknown count); null streamId: maybe any stream. */
  streamGap(streamId: number | null, bytes: number, ts: number): void;
  streamClose(streamId: number, reason: YamuxCloseReason, ts: number): void;
}

export interface YamuxDecoderOptions {
  /** Connection id and direction, for warnings. */
  conn: number;
  dir: Direction;
  /** Start in resync mode (the session is seen from its middle). */
  resync?: boolean;
}

/** Counter group in ctx.counters. */
const group = 'yamux';

/** `frame(T,F)` counter names, made once per (type, flags) rather than per frame. */
const frameCounterNames = new Map<number, string>();
function frameCounterName(type: number, flags: number): string {
  const key = type * 0x10000 + flags;
  let name = frameCounterNames.get(key);
  if (name === undefined) frameCounterNames.set(key, (name = `frame(${type},${flags})`));
  return name;
}

export class YamuxDecoder {
  private readonly header = new Uint8Array(yamuxHeaderBytes);
  private headerFill = 0;
  /** Payload bytes still to come for `payloadStream` (0: expecting a header). */
  private payloadLeft = 0;
  private payloadStream = 0;
  private readonly open = new Set<number>();
  private syncing: boolean;
  /** Bytes buffered while looking for a header (copied; bounded by maxFrameBytes + 2 headers). */
  private resyncBuf: Uint8Array | null = null;
  private resyncLen = 0;
  private resyncTs: number[] = [];
  private resyncAt: number[] = [];
  private dead = false;

  constructor(
    private readonly events: YamuxEvents,
    private readonly ctx: ProtocolContext,
    private readonly opts: YamuxDecoderOptions,
  ) {
    this.syncing = opts.resync ?? false;
    if (this.syncing) count(ctx.counters, group, 'resyncs');
  }

  feed(bytes: Uint8Array, ts: number): void {
    if (this.dead || bytes.length === 0) return;
    if (this.syncing) {
      this.bufferForResync(bytes, ts);
      this.tryResync();
      return;
    }
    this.decode(bytes, ts);
  }

  gap(bytes: number, ts: number): void {
    if (this.dead) return;
    count(this.ctx.counters, group, 'gaps');
    // A known loss inside one payload costs only that stream its bytes; the framing holds.
    if (!this.syncing && bytes > 0 && this.headerFill === 0 && bytes <= this.payloadLeft) {
      this.payloadLeft -= bytes;
      this.events.streamGap(this.payloadStream, bytes, ts);
      if (this.payloadLeft === 0) this.closePending(ts);
      return;
    }
    this.startResync(ts);
  }

  /** Framing is lost: every stream of this direction may have lost bytes. */
  private startResync(ts: number): void {
    if (this.syncing && this.resyncLen > 0) count(this.ctx.counters, group, 'skippedBytes', this.resyncLen);
    if (!this.syncing) {
      count(this.ctx.counters, group, 'resyncs');
      if (this.payloadLeft > 0) this.events.streamGap(this.payloadStream, -1, ts);
    }
    this.events.streamGap(null, -1, ts);
    this.closePending(ts);
    this.syncing = true;
    this.headerFill = 0;
    this.payloadLeft = 0;
    this.resyncLen = 0;
    this.resyncTs = [];
    this.resyncAt = [];
    this.candidates = [];
    this.scannedTo = 0;
  }

  end(ts: number): void {
    if (!this.dead && !this.syncing && (this.headerFill > 0 || this.payloadLeft > 0)) {
      count(this.ctx.counters, group, 'truncatedFrames');
      this.warn(
        `capture ends inside a yamux frame ` +
          `(${this.headerFill > 0 ? 'header' : `${this.payloadLeft} payload bytes missing`})`,
        ts,
      );
    }
    if (this.syncing && this.resyncLen > 0) count(this.ctx.counters, group, 'skippedBytes', this.resyncLen);
    for (const id of this.open) this.events.streamClose(id, 'end', ts);
    this.open.clear();
    this.dead = true;
  }

  /** Streams open in this direction (for tests and diagnostics). */
  get openStreams(): number {
    return this.open.size;
  }

  private decode(bytes: Uint8Array, ts: number): void {
    let pos = 0;
    while (pos < bytes.length && !this.dead && !this.syncing) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, bytes.length - pos);
        this.payloadLeft -= n;
        count(this.ctx.counters, group, 'payloadBytes', n);
        this.events.data(this.payloadStream, bytes.subarray(pos, pos + n), ts);
        pos += n;
        if (this.payloadLeft === 0) this.closePending(ts);
        continue;
      }
      const n = Math.min(yamuxHeaderBytes - this.headerFill, bytes.length - pos);
      this.header.set(bytes.subarray(pos, pos + n), this.headerFill);
      this.headerFill += n;
      pos += n;
      if (this.headerFill < yamuxHeaderBytes) return;
      this.headerFill = 0;
      const h = readHeader(this.header, 0);
      if (!plausibleHeader(h, this.ctx.limits.maxFrameBytes)) {
        count(this.ctx.counters, group, 'badHeaders');
        this.warn(
          `invalid yamux header (version ${h.version}, type ${h.type}, flags 0x${h.flags.toString(16)}, ` +
            `length ${h.length}); resynchronising`,
          ts,
        );
        // Re-examine the bad header's bytes and the rest of this chunk for the next frame.
        this.startResync(ts);
        const rest = new Uint8Array(yamuxHeaderBytes - 1 + bytes.length - pos);
        rest.set(this.header.subarray(1), 0);
        rest.set(bytes.subarray(pos), yamuxHeaderBytes - 1);
        this.feed(rest, ts);
        return;
      }
      this.onHeader(h, ts);
    }
  }

  private onHeader(h: YamuxHeader, ts: number): void {
    const c = this.ctx.counters;
    count(c, group, 'frames');
    count(c, group, frameCounterName(h.type, h.flags));
    this.events.frame?.(h, ts);
    if (h.type === YamuxType.goAway) {
      count(c, group, 'goAways');
      this.warn(`yamux go-away: ${yamuxGoAwayReasons[h.length] ?? `code ${h.length}`}`, ts);
      for (const id of this.open) this.events.streamClose(id, 'go-away', ts);
      this.open.clear();
      return;
    }
    if (h.type === YamuxType.ping) return;
    const id = h.streamId;
    if (!this.open.has(id)) {
      this.open.add(id);
      // SYN opens the stream from this side, ACK accepts the peer's SYN: either way its start.
      const syn = (h.flags & YamuxFlag.syn) !== 0;
      const ack = (h.flags & YamuxFlag.ack) !== 0;
      count(c, group, syn ? 'streamsOpened' : ack ? 'streamsAccepted' : 'streamsSeenMidway');
      this.events.streamOpen(id, syn || ack, ts);
    }
    if (h.type === YamuxType.data && h.length > 0) {
      this.payloadLeft = h.length;
      this.payloadStream = id;
    }
    if (h.flags & (YamuxFlag.rst | YamuxFlag.fin)) {
      // Payload of a FIN frame still belongs to the stream: close once it has been delivered.
      const reason: YamuxCloseReason = h.flags & YamuxFlag.rst ? 'rst' : 'fin';
      count(c, group, reason === 'rst' ? 'streamsReset' : 'streamsFinished');
      if (this.payloadLeft > 0) this.pendingClose = { id, reason };
      else this.close(id, reason, ts);
    }
  }

  private pendingClose: { id: number; reason: YamuxCloseReason } | null = null;

  private closePending(ts: number): void {
    const p = this.pendingClose;
    this.pendingClose = null;
    if (p) this.close(p.id, p.reason, ts);
  }

  private close(id: number, reason: YamuxCloseReason, ts: number): void {
    this.open.delete(id);
    this.events.streamClose(id, reason, ts);
  }

  private bufferForResync(bytes: Uint8Array, ts: number): void {
    const need = this.resyncLen + bytes.length;
    if (!this.resyncBuf || this.resyncBuf.length < need) {
      const grown = new Uint8Array(Math.max(need, 2 * (this.resyncBuf?.length ?? 4096)));
      if (this.resyncBuf) grown.set(this.resyncBuf.subarray(0, this.resyncLen));
      this.resyncBuf = grown;
    }
    this.resyncBuf.set(bytes, this.resyncLen);
    this.resyncAt.push(this.resyncLen);
    this.resyncTs.push(ts);
    this.resyncLen = need;
  }

  /** Header positions that looked plausible but whose next header has not arrived yet. */
  private candidates: number[] = [];
  /** Positions before this were examined already (resync scans each byte once). */
  private scannedTo = 0;

  /** Find a plausible header confirmed by the header after it; drop what precedes it. */
  private tryResync(): void {
    const buf = this.resyncBuf!;
    const len = this.resyncLen;
    const max = this.ctx.limits.maxFrameBytes;
    const confirmed = (p: number): boolean | null => {
      const h = readHeader(buf, p);
      const next = p + yamuxHeaderBytes + (h.type === YamuxType.data ? h.length : 0);
      if (next + yamuxHeaderBytes > len) return null;
      return plausibleHeader(readHeader(buf, next), max);
    };
    // Earlier candidates first: the earliest confirmed header loses the fewest bytes.
    const waiting: number[] = [];
    for (const p of this.candidates) {
      const ok = confirmed(p);
      if (ok) return this.resynced(p);
      if (ok === null) waiting.push(p);
    }
    let p = this.scannedTo;
    for (; p + yamuxHeaderBytes <= len; p++) {
      const h = readHeader(buf, p);
      if (!plausibleHeader(h, max) || !resyncCandidate(h)) continue;
      const ok = confirmed(p);
      if (ok) return this.resynced(p);
      if (ok === null) waiting.push(p);
    }
    this.candidates = waiting;
    this.scannedTo = p;
    // Keep only what may still start a header we could confirm later.
    const keep = Math.min(waiting[0] ?? p, p);
    if (keep > 0) this.dropResync(keep);
    if (this.resyncLen > max + 2 * yamuxHeaderBytes) {
      this.warn('no yamux header found within the frame bound; skipping the rest of this direction', this.resyncTs[0]);
      count(this.ctx.counters, group, 'skippedBytes', this.resyncLen);
      this.resyncLen = 0;
      this.dead = true;
    }
  }

  private dropResync(n: number): void {
    count(this.ctx.counters, group, 'skippedBytes', n);
    const buf = this.resyncBuf!;
    buf.copyWithin(0, n, this.resyncLen);
    this.resyncLen -= n;
    this.candidates = this.candidates.map((c) => c - n).filter((c) => c >= 0);
    this.scannedTo = Math.max(0, this.scannedTo - n);
    // Chunk boundaries move with the bytes; the chunk holding the new byte 0 starts there.
    let i = 0;
    while (i + 1 < this.resyncAt.length && this.resyncAt[i + 1] <= n) i++;
    this.resyncAt = this.resyncAt.slice(i).map((a) => Math.max(0, a - n));
    this.resyncTs = this.resyncTs.slice(i);
  }

  private resynced(p: number): void {
    if (p > 0) this.dropResync(p);
    count(this.ctx.counters, group, 'resynced');
    const buf = this.resyncBuf!.subarray(0, this.resyncLen);
    const at = this.resyncAt;
    const tss = this.resyncTs;
    this.syncing = false;
    this.candidates = [];
    this.scannedTo = 0;
    this.resyncBuf = null;
    this.resyncLen = 0;
    this.resyncAt = [];
    this.resyncTs = [];
    // Replay the buffered chunks with their own timestamps.
    for (let i = 0; i < at.length && !this.dead; i++) {
      const chunk = buf.subarray(at[i], i + 1 < at.length ? at[i + 1] : buf.length);
      if (chunk.length > 0) this.feed(chunk, tss[i]);
    }
  }

  private warn(message: string, ts?: number): void {
    this.ctx.warn({
      stage: 'protocols',
      protocol: 'yamux',
      conn: this.opts.conn,
      ts,
      message: `dir ${this.opts.dir}: ${message}`,
    });
  }
}

export function readHeader(b: Uint8Array, at: number): YamuxHeader {
  return {
    version: b[at],
    type: b[at + 1],
    flags: (b[at + 2] << 8) | b[at + 3],
    streamId: ((b[at + 4] << 24) >>> 0) + (b[at + 5] << 16) + (b[at + 6] << 8) + b[at + 7],
    length: ((b[at + 8] << 24) >>> 0) + (b[at + 9] << 16) + (b[at + 10] << 8) + b[at + 11],
  };
}

/** Could this be a header a yamux peer sent? */
export function plausibleHeader(h: YamuxHeader, maxFrameBytes: number): boolean {
  if (h.version !== yamuxVersion || h.type > YamuxType.goAway) return false;
  if ((h.flags & ~yamuxKnownFlags) !== 0) return false;
  switch (h.type) {
    case YamuxType.data:
      return h.streamId !== 0 && h.length <= maxFrameBytes;
    case YamuxType.windowUpdate:
      return h.streamId !== 0 && h.length <= yamuxMaxPlausibleWindowDelta;
    case YamuxType.ping:
      return h.streamId === 0;
    default:
      return h.streamId === 0 && h.length in yamuxGoAwayReasons;
  }
}

/**
 * Resync starts only on a frame that can begin a run: data or window update (ping and
 * go-away are 12 bytes of mostly zeros and too easily found inside payloads).
 */
function resyncCandidate(h: YamuxHeader): boolean {
  return h.type === YamuxType.data || h.type === YamuxType.windowUpdate;
}
