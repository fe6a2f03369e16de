/**
 * One direction of an AMQP 0-9-1 connection: bytes → frames.
 *
 * Frames are cut straight out of the incoming chunk when they lie inside it; only a
 * frame that spans chunks is copied into `pending` (sized once its header is known), so
 * the common case copies nothing. Every length is bounded before anything is buffered.
 *
 * When the stream starts mid-frame (capture began after the connection) or after a gap,
 * the decoder resynchronises: it looks for a plausible frame header whose frame-end octet
 * sits at size + 7 and which is followed by another plausible header (or, once this
 * direction has been in sync before, by the end of the data so far). Bytes passed over
 * are counted.
 */
import type { ProtocolContext } from '../types.js';
import { count } from '../types.js';
import {
  CLASS_NAMES,
  FRAME_BODY,
  FRAME_END,
  FRAME_HEADER,
  FRAME_HEADER_SIZE,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  FRAME_OVERHEAD,
  PROTOCOL_HEADER,
} from './spec.js';

export interface FrameSink {
  /** `payload` is a view valid only during the call. */
  frame(type: number, channel: number, payload: Uint8Array, firstTs: number, lastTs: number): void;
  /** Bytes were lost or skipped: any content being assembled in this direction is broken. */
  lost(reason: string, ts: number): void;
  /** The decoder gave up on the stream (oversize frame): skip the whole connection. */
  abandon(reason: string, ts: number): void;
  warn(message: string, ts: number): void;
}

type Mode = 'start' | 'sync' | 'resync' | 'skip';

/** While resynchronising with no negotiated frame-max, candidates above this are implausible. */
const RESYNC_MAX_FRAME = 1 << 20;
const NEED_MORE = -2;
const INVALID = -1;

export class AmqpFrameDecoder {
  /** Negotiated frame-max (bytes incl. overhead); 0 = not seen. */
  frameMax = 0;
  private mode: Mode = 'start';
  /** Set once a frame has been verified in this direction (by sync or by a checked resync). */
  private verified = false;
  private pending: Uint8Array = new Uint8Array(0);
  private pendingLen = 0;
  /** Chunk starts inside `pending` and their timestamps: [offset, ts, offset, ts, …]. */
  private marks: number[] = [];
  /** Bytes skipped in the current resync (reported when sync is found). */
  private skippedNow = 0;
  /** Set by end(): the data at hand is all there will be. */
  private finishing = false;

  /** @param clientSide the client → broker direction, which opens with the protocol header. */
  constructor(
    private readonly sink: FrameSink,
    private readonly ctx: ProtocolContext,
    private readonly clientSide: boolean,
  ) {}

  get skipping(): boolean {
    return this.mode === 'skip';
  }

  /** Largest frame accepted now: negotiated frame-max, bounded by the context limit. */
  private frameLimit(): number {
    const limit = this.ctx.limits.maxFrameBytes;
    return this.frameMax > 0 ? Math.min(this.frameMax, limit) : limit;
  }

  data(bytes: Uint8Array, ts: number): void {
    if (this.mode === 'skip' || bytes.length === 0) return;
    let view: Uint8Array;
    if (this.pendingLen === 0) {
      view = bytes;
      this.marks.length = 0;
      this.marks.push(0, ts);
    } else {
      this.append(bytes, ts);
      view = this.pending.subarray(0, this.pendingLen);
    }
    const used = this.parse(view, ts);
    this.keep(view, used);
  }

  gap(n: number, ts: number): void {
    if (this.mode === 'skip') return;
    count(this.ctx.counters, 'amqp', 'gaps');
    const partial = this.pendingLen;
    this.pendingLen = 0;
    this.marks.length = 0;
    if (partial > 0) count(this.ctx.counters, 'amqp', 'bytesSkipped', partial);
    if (this.mode !== 'resync') {
      count(this.ctx.counters, 'amqp', 'resyncStarts');
      this.skippedNow = partial;
    } else {
      this.skippedNow += partial;
    }
    this.mode = 'resync';
    this.sink.lost(n < 0 ? 'gap of unknown size' : `gap of ${n} bytes`, ts);
  }

  end(ts: number): void {
    if (this.pendingLen > 0 && this.mode === 'resync') {
      // No more data will come to confirm a candidate: one whose frame-end checks out at
      // the very end of the stream is accepted (e.g. a lone heartbeat after a mid-stream start).
      this.finishing = true;
      const view = this.pending.subarray(0, this.pendingLen);
      this.keep(view, this.parse(view, ts));
    }
    if (this.pendingLen > 0 && this.mode !== 'skip') {
      count(
        this.ctx.counters,
        'amqp',
        this.mode === 'resync' ? 'bytesSkipped' : 'truncatedFrameBytes',
        this.pendingLen,
      );
      if (this.mode === 'sync') count(this.ctx.counters, 'amqp', 'truncatedFrames');
      this.sink.lost('end of stream inside a frame', ts);
    }
    this.pendingLen = 0;
    this.marks.length = 0;
  }

  /** Stops decoding this direction (the connection is being skipped). */
  skip(): void {
    this.mode = 'skip';
    this.pendingLen = 0;
    this.marks.length = 0;
  }

  // ──────────────────────────────────────── buffering

  private append(bytes: Uint8Array, ts: number): void {
    const need = this.pendingLen + bytes.length;
    if (need > this.pending.length) {
      const grown = new Uint8Array(Math.max(need, this.pending.length * 2, 4096));
      grown.set(this.pending.subarray(0, this.pendingLen));
      this.pending = grown;
    }
    this.marks.push(this.pendingLen, ts);
    this.pending.set(bytes, this.pendingLen);
    this.pendingLen = need;
  }

  /** Keeps view[used..] for the next chunk (copying it when it is still the caller's chunk). */
  private keep(view: Uint8Array, used: number): void {
    const rest = view.length - used;
    if (this.mode === 'skip' || rest <= 0) {
      this.pendingLen = 0;
      this.marks.length = 0;
      return;
    }
    // Shift the chunk marks so that they stay relative to the kept bytes.
    // Marks of the chunks still needed, shifted, in place (this runs after every chunk).
    const m = this.marks;
    let w = 0;
    for (let k = 0; k < m.length; k += 2) {
      const nextStart = k + 2 < m.length ? m[k + 2] : Infinity;
      if (nextStart <= used) continue;
      const at = Math.max(0, m[k] - used);
      const ts = m[k + 1];
      m[w++] = at;
      m[w++] = ts;
    }
    m.length = w;
    if (view.buffer === this.pending.buffer && view.byteOffset === this.pending.byteOffset) {
      this.pending.copyWithin(0, used, view.length);
    } else {
      if (rest > this.pending.length) this.pending = new Uint8Array(Math.max(rest, 4096));
      this.pending.set(view.subarray(used));
    }
    this.pendingLen = rest;
  }

  /** Capture time of the chunk that carried byte `pos` of the current view. */
  private tsAt(pos: number): number {
    const m = this.marks;
    let ts = m[1];
    for (let k = 2; k < m.length && m[k] <= pos; k += 2) ts = m[k + 1];
    return ts;
  }

  // ──────────────────────────────────────── parsing

  /** Returns how many bytes of `view` were consumed. */
  private parse(view: Uint8Array, ts: number): number {
    let pos = 0;
    for (;;) {
      if (this.mode === 'start') {
        const r = this.protocolHeader(view, pos, ts);
        if (r === NEED_MORE) return pos;
        pos = r;
      } else if (this.mode === 'sync') {
        pos = this.frames(view, pos, ts);
        if (this.mode === 'sync' || this.mode === 'skip') return pos;
      } else if (this.mode === 'resync') {
        const r = this.resync(view, pos, ts);
        if (this.mode === 'resync') return r;
        pos = r;
      } else {
        return view.length;
      }
    }
  }

  /** At the very start of a direction: an optional `AMQP 0 0 9 1` header. */
  private protocolHeader(view: Uint8Array, pos: number, _ts: number): number {
    const n = Math.min(view.length - pos, PROTOCOL_HEADER.length);
    for (let k = 0; k < n; k++) {
      if (view[pos + k] !== PROTOCOL_HEADER[k]) {
        // Not a protocol header. A broker's first frame is fine; anything else that does
        // not look like a frame is resynchronised (and counted) by the frame loop.
        if (this.clientSide || k >= 4)
          count(this.ctx.counters, 'amqp', k >= 4 ? 'badProtocolVersion' : 'noProtocolHeader');
        this.mode = 'sync';
        return pos;
      }
    }
    if (n < PROTOCOL_HEADER.length) return NEED_MORE;
    count(this.ctx.counters, 'amqp', 'protocolHeaders');
    this.mode = 'sync';
    return pos + PROTOCOL_HEADER.length;
  }

  /** In sync: cut whole frames. Returns the position of the first unconsumed byte. */
  private frames(view: Uint8Array, pos: number, _ts: number): number {
    const len = view.length;
    const limit = this.frameLimit();
    while (pos + FRAME_HEADER_SIZE <= len) {
      const type = view[pos];
      const channel = (view[pos + 1] << 8) | view[pos + 2];
      const size = ((view[pos + 3] << 24) >>> 0) + ((view[pos + 4] << 16) | (view[pos + 5] << 8) | view[pos + 6]);
      if (type !== FRAME_METHOD && type !== FRAME_HEADER && type !== FRAME_BODY && type !== FRAME_HEARTBEAT) {
        count(this.ctx.counters, 'amqp', 'badFrameType');
        this.startResync(`frame type ${type} is not 1, 2, 3 or 8`, this.tsAt(pos), 0);
        return pos;
      }
      if (size + FRAME_OVERHEAD > limit) {
        count(this.ctx.counters, 'amqp', 'oversizeFrames');
        this.mode = 'skip';
        this.sink.abandon(`frame of ${size} bytes exceeds frame-max ${limit}`, this.tsAt(pos));
        return len;
      }
      const endPos = pos + FRAME_HEADER_SIZE + size;
      if (endPos >= len) {
        // Wait for the rest; reserve the whole frame once so appends do not regrow.
        const want = endPos + 1 - pos;
        if (this.pending.length < want && this.pendingLen === 0) this.pending = new Uint8Array(want);
        return pos;
      }
      if (view[endPos] !== FRAME_END) {
        count(this.ctx.counters, 'amqp', 'badFrameEnd');
        count(this.ctx.counters, 'amqp', 'bytesSkipped');
        this.startResync(
          `frame-end 0x${view[endPos].toString(16)} instead of 0xce (type ${type}, size ${size})`,
          this.tsAt(pos),
          1,
        );
        return pos + 1;
      }
      this.verified = true;
      this.sink.frame(type, channel, view.subarray(pos + FRAME_HEADER_SIZE, endPos), this.tsAt(pos), this.tsAt(endPos));
      if (this.mode !== 'sync') return len; // the sink abandoned the connection
      pos = endPos + 1;
    }
    return pos;
  }

  private startResync(why: string, ts: number, skipped: number): void {
    count(this.ctx.counters, 'amqp', 'resyncStarts');
    this.mode = 'resync';
    this.skippedNow = skipped;
    this.sink.warn(`lost frame sync (${why}); resynchronising`, ts);
    this.sink.lost(why, ts);
  }

  /** Scans for a verifiable frame start; returns where sync resumes, or where to wait from. */
  private resync(view: Uint8Array, pos: number, _ts: number): number {
    const len = view.length;
    for (let i = pos; i < len; i++) {
      const t = view[i];
      if (t !== FRAME_METHOD && t !== FRAME_HEADER && t !== FRAME_BODY && t !== FRAME_HEARTBEAT) continue;
      const r = this.candidate(view, i);
      if (r === INVALID) continue;
      const skipped = i - pos;
      this.skippedNow += skipped;
      if (skipped > 0) count(this.ctx.counters, 'amqp', 'bytesSkipped', skipped);
      if (r === NEED_MORE) return i;
      count(this.ctx.counters, 'amqp', 'resyncs');
      if (this.skippedNow > 0) this.sink.warn(`resynchronised after skipping ${this.skippedNow} bytes`, this.tsAt(i));
      this.skippedNow = 0;
      this.mode = 'sync';
      return i;
    }
    const skipped = len - pos;
    this.skippedNow += skipped;
    if (skipped > 0) count(this.ctx.counters, 'amqp', 'bytesSkipped', skipped);
    return len;
  }

  /** Is there a frame at i whose frame-end checks out and which a plausible header follows? */
  private candidate(view: Uint8Array, i: number): number {
    const size = this.plausibleHeader(view, i);
    if (size < 0) return size;
    const endPos = i + FRAME_HEADER_SIZE + size;
    if (endPos >= view.length) return NEED_MORE;
    if (view[endPos] !== FRAME_END) return INVALID;
    if (endPos + 1 === view.length) return this.verified || this.finishing ? 0 : NEED_MORE;
    const next = this.plausibleHeader(view, endPos + 1);
    return next === INVALID ? INVALID : next === NEED_MORE ? NEED_MORE : 0;
  }

  /** Frame size if view[i..] looks like a frame header, else INVALID or NEED_MORE. */
  private plausibleHeader(view: Uint8Array, i: number): number {
    const len = view.length;
    const type = view[i];
    if (type !== FRAME_METHOD && type !== FRAME_HEADER && type !== FRAME_BODY && type !== FRAME_HEARTBEAT)
      return INVALID;
    if (i + FRAME_HEADER_SIZE > len) return NEED_MORE;
    const channel = (view[i + 1] << 8) | view[i + 2];
    const size = ((view[i + 3] << 24) >>> 0) + ((view[i + 4] << 16) | (view[i + 5] << 8) | view[i + 6]);
    const max = this.frameMax > 0 ? this.frameLimit() : Math.min(this.frameLimit(), RESYNC_MAX_FRAME);
    if (size + FRAME_OVERHEAD > max) return INVALID;
    if (type === FRAME_HEARTBEAT) return channel === 0 && size === 0 ? 0 : INVALID;
    if (type === FRAME_METHOD || type === FRAME_HEADER) {
      // Method payload starts with a class id (≥ 4 bytes); a content header is ≥ 14 bytes.
      if (size < (type === FRAME_METHOD ? 4 : 14)) return INVALID;
      if (i + FRAME_HEADER_SIZE + 2 > len) return NEED_MORE;
      const classId = (view[i + 7] << 8) | view[i + 8];
      if (CLASS_NAMES[classId] === undefined) return INVALID;
      if (type === FRAME_METHOD && channel === 0 && classId !== 10) return INVALID;
    }
    return size;
  }
}
