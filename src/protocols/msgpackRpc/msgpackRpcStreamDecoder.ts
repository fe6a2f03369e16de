/**
 * One direction of a hashicorp/net-rpc-msgpackrpc stream: bytes in, RPC messages out.
 *
 * Each message is a msgpack header map (`{ServiceMethod, Seq}` for a request,
 * `{ServiceMethod, Seq, Error}` for a response) followed by a msgpack body. Nothing says
 * how long either is, so MsgpackObjectScanner finds where each ends as bytes arrive (in any
 * split over yamux frames or TCP segments), and only the complete slice is decoded.
 *
 * After lost bytes, a decode error, or when the stream is seen from its middle, the
 * decoder looks for the next header map: a fixmap of 2 or 3 entries whose first key is
 * one of the header's field names, confirmed by decoding it as a valid header.
 */
import type { ConnectionInfo, Direction } from '../../net/types.js';
import { count, type MsgpackRpcMessage, type ProtocolContext } from '../types.js';
import { MsgpackObjectScanner } from './msgpackScanner.js';
import { MsgpackSelector, type MsgpackShape } from './msgpackSelect.js';
import { MsgpackValueDecoder } from './msgpackValue.js';
import { byteBudget, type BudgetHolder, type ByteBudget } from '../byteBudget.js';

/**
 * How much of a body to decode: all of it, none (`body` stays undefined, and the body is
 * only checked for framing), or the keys a shape names (see MsgpackSelector).
 */
export type MsgpackBodyPlan = 'full' | 'none' | MsgpackShape;
export type MsgpackBodyPlanner = (serviceMethod: string, kind: 'request' | 'response') => MsgpackBodyPlan;

const group = 'msgpack-rpc';

/** Header field names as go-msgpack writes them (fixstr type byte + bytes). */
const headerKeys = ['Seq', 'ServiceMethod', 'Error'].map((k) =>
  Uint8Array.from([0xa0 | k.length, ...Buffer.from(k, 'ascii')]),
);
const headerMapBytes = [0x82, 0x83];
/** The header fields decoded (any other key is stepped over). */
const headerKeysShape = { Seq: true, ServiceMethod: true, Error: true } as const;

type State = 'header' | 'body' | 'resync' | 'dead';

export interface MsgpackRpcStreamDecoderOptions {
  conn: ConnectionInfo;
  dir: Direction;
  streamId: number;
  /** Start by looking for a header (the stream is seen from its middle). */
  resync?: boolean;
  /** What to decode of each body (default: all of it). */
  bodyPlan?: MsgpackBodyPlanner;
}

export class MsgpackRpcStreamDecoder implements BudgetHolder {
  /** Bytes of `buf`, taken from the session's budget. */
  held = 0;
  readonly owner = 'msgpack-rpc';
  private readonly budget: ByteBudget;
  private buf = new Uint8Array(0);
  private len = 0;
  /** Chunk start offsets in `buf` and the capture time of each. */
  private chunkAt: number[] = [];
  private chunkTs: number[] = [];
  private state: State;
  private msgStart = 0;
  private headerEnd = 0;
  private header: { serviceMethod: string; seq: number; error?: string; kind: 'request' | 'response' } | null = null;
  private searchFrom = 0;
  private readonly scanner = new MsgpackObjectScanner();
  private readonly values: MsgpackValueDecoder;
  private selector: MsgpackSelector | null = null;

  constructor(
    private readonly onMessage: (m: MsgpackRpcMessage) => void,
    private readonly ctx: ProtocolContext,
    private readonly opts: MsgpackRpcStreamDecoderOptions,
  ) {
    this.values = new MsgpackValueDecoder(ctx.limits);
    this.budget = byteBudget(ctx);
    this.state = opts.resync ? 'resync' : 'header';
    this.scanner.reset(0, 1, ctx.limits.maxFrameBytes);
  }

  feed(bytes: Uint8Array, ts: number): void {
    if (this.state === 'dead' || bytes.length === 0) return;
    this.append(bytes, ts);
    this.process();
    this.compact();
  }

  gap(bytes: number, ts: number): void {
    if (this.state === 'dead') return;
    if (this.state !== 'resync' && this.len > this.msgStart) {
      count(this.ctx.counters, group, 'lostMessages');
      this.warn(
        `${bytes < 0 ? 'unknown number of' : bytes} bytes lost inside a message; looking for the next header`,
        ts,
      );
    }
    if (this.state === 'resync') count(this.ctx.counters, group, 'skippedBytes', this.len - this.searchFrom);
    this.dropHeld();
  }

  end(ts: number): void {
    if (this.state === 'dead') return;
    if (this.state !== 'resync' && this.len > this.msgStart) {
      count(this.ctx.counters, group, 'truncatedMessages');
      this.warn(`stream ends inside a message (${this.len - this.msgStart} bytes of it seen)`, ts);
    } else if (this.state === 'resync' && this.len > this.searchFrom) {
      count(this.ctx.counters, group, 'skippedBytes', this.len - this.searchFrom);
    }
    this.state = 'dead';
    this.buf = new Uint8Array(0);
    this.len = 0;
    this.budget.release(this);
  }

  /**
   * The budget needs the bytes back: the partial message is dropped and the decoder looks
   * for the next header, as after lost bytes.
   */
  evict(): void {
    if (this.state === 'dead') return;
    count(this.ctx.counters, group, 'budgetCuts');
    if (this.state === 'resync') count(this.ctx.counters, group, 'skippedBytes', this.len - this.searchFrom);
    this.dropHeld();
    this.buf = new Uint8Array(0);
  }

  /** Forget the bytes held and look for the next header. */
  private dropHeld(): void {
    this.len = 0;
    this.chunkAt = [];
    this.chunkTs = [];
    this.msgStart = 0;
    this.searchFrom = 0;
    this.state = 'resync';
  }

  private append(bytes: Uint8Array, ts: number): void {
    const need = this.len + bytes.length;
    if (need > this.buf.length) {
      const size = Math.max(need, 2 * this.buf.length, 1024);
      if (!this.budget.resize(this, size)) {
        this.budget.release(this);
        this.evict();
        count(this.ctx.counters, group, 'skippedBytes', bytes.length);
        return;
      }
      const grown = new Uint8Array(size);
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(bytes, this.len);
    this.chunkAt.push(this.len);
    this.chunkTs.push(ts);
    this.len = need;
  }

  private process(): void {
    const max = this.ctx.limits.maxFrameBytes;
    for (;;) {
      if (this.state === 'resync') {
        if (!this.findHeader()) return;
        this.state = 'header';
        this.scanner.reset(this.msgStart, 1, max);
      }
      if (this.state === 'header') {
        if (this.msgStart === this.len) return;
        const r = this.scanner.scan(this.buf, this.len);
        if (r === 'more') return;
        if (r !== 'done') {
          this.fail(r.error, r.at);
          continue;
        }
        this.headerEnd = this.scanner.pos;
        const h = (this.selector ??= new MsgpackSelector(this.values)).select(
          this.buf.subarray(this.msgStart, this.headerEnd),
          headerKeysShape,
        );
        this.header = h.ok ? rpcHeader(h.value) : null;
        if (!this.header) {
          this.fail(h.ok ? 'not an RPC header map (ServiceMethod, Seq)' : h.error, this.msgStart);
          continue;
        }
        this.state = 'body';
        this.scanner.reset(this.headerEnd, 1, max - (this.headerEnd - this.msgStart));
      }
      if (this.state === 'body') {
        const r = this.scanner.scan(this.buf, this.len);
        if (r === 'more') return;
        if (r !== 'done') {
          this.fail(r.error, r.at);
          continue;
        }
        this.emit(this.scanner.pos);
        this.msgStart = this.scanner.pos;
        this.state = 'header';
        this.scanner.reset(this.msgStart, 1, max);
      }
    }
  }

  private emit(end: number): void {
    const h = this.header!;
    const plan = this.opts.bodyPlan ? this.opts.bodyPlan(h.serviceMethod, h.kind) : 'full';
    const bytes = this.buf.subarray(this.headerEnd, end);
    const body =
      plan === 'full'
        ? this.values.decode(bytes)
        : plan === 'none'
          ? { ok: true as const, value: undefined }
          : (this.selector ??= new MsgpackSelector(this.values)).select(bytes, plan);
    const c = this.ctx.counters;
    count(c, group, h.kind === 'request' ? 'requests' : 'responses');
    if (plan !== 'full' && plan !== 'none' && this.selector!.typeMismatches > 0)
      count(c, group, 'fieldTypeMismatches', this.selector!.typeMismatches);
    if (!body.ok) {
      count(c, group, 'bodyDecodeErrors');
      this.warn(
        `${h.serviceMethod} ${h.kind} body (seq ${h.seq}) could not be decoded: ${body.error}`,
        this.tsAt(this.headerEnd),
      );
    }
    const m: MsgpackRpcMessage = {
      conn: this.opts.conn,
      dir: this.opts.dir,
      streamId: this.opts.streamId,
      kind: h.kind,
      serviceMethod: h.serviceMethod,
      seq: h.seq,
      body: body.ok ? body.value : undefined,
      size: end - this.msgStart,
      firstByte: this.tsAt(this.msgStart),
      lastByte: this.tsAt(end - 1),
    };
    // Set after (not spread in): a conditional spread made every message a slow copy.
    if (h.kind === 'response') m.error = h.error ?? '';
    if (plan !== 'full') m.partialBody = true;
    this.onMessage(m);
  }

  private fail(error: string, at: number): void {
    count(this.ctx.counters, group, 'decodeErrors');
    this.warn(
      `undecodable message (byte ${at - this.msgStart} of it): ${error}; looking for the next header`,
      this.tsAt(at),
    );
    count(this.ctx.counters, group, 'skippedBytes');
    this.state = 'resync';
    this.searchFrom = this.msgStart + 1;
  }

  /** In resync: move msgStart to the next plausible header map, or return false to wait. */
  private findHeader(): boolean {
    const b = this.buf;
    let p = this.searchFrom;
    for (; p < this.len; p++) {
      if (b[p] !== headerMapBytes[0] && b[p] !== headerMapBytes[1]) continue;
      let waiting = false;
      for (const key of headerKeys) {
        if (p + 1 + key.length > this.len) {
          waiting = true;
          continue;
        }
        let same = true;
        for (let i = 0; i < key.length && same; i++) same = b[p + 1 + i] === key[i];
        if (same) return this.resyncAt(p);
      }
      if (waiting) break;
    }
    count(this.ctx.counters, group, 'skippedBytes', p - this.searchFrom);
    this.searchFrom = p;
    this.msgStart = p;
    return false;
  }

  private resyncAt(p: number): boolean {
    count(this.ctx.counters, group, 'skippedBytes', p - this.searchFrom);
    count(this.ctx.counters, group, 'resynced');
    this.msgStart = p;
    this.searchFrom = p;
    return true;
  }

  /** Drop consumed bytes and the chunks wholly before them. */
  private compact(): void {
    const from = this.msgStart;
    if (from === 0) return;
    this.buf.copyWithin(0, from, this.len);
    this.len -= from;
    if (this.len === 0) {
      this.chunkAt.length = 0;
      this.chunkTs.length = 0;
    } else {
      // In place: this runs after every chunk fed.
      let i = 0;
      while (i + 1 < this.chunkAt.length && this.chunkAt[i + 1] <= from) i++;
      if (i > 0) {
        this.chunkAt.splice(0, i);
        this.chunkTs.splice(0, i);
      }
      for (let k = 0; k < this.chunkAt.length; k++) this.chunkAt[k] = Math.max(0, this.chunkAt[k] - from);
    }
    this.msgStart = 0;
    this.headerEnd -= from;
    this.searchFrom = Math.max(0, this.searchFrom - from);
    this.scanner.shift(from);
    // A burst of small messages must not pin a large buffer forever.
    if (this.len === 0 && this.buf.length > 64 * 1024) {
      this.buf = new Uint8Array(0);
      this.budget.release(this);
    }
  }

  /** Capture time of the chunk that carried byte `offset`. */
  private tsAt(offset: number): number {
    let i = 0;
    while (i + 1 < this.chunkAt.length && this.chunkAt[i + 1] <= offset) i++;
    return this.chunkTs[i] ?? 0;
  }

  private warn(message: string, ts?: number): void {
    this.ctx.warn({
      stage: 'protocols',
      protocol: 'msgpack-rpc',
      conn: this.opts.conn.id,
      ts,
      message: `stream ${this.opts.streamId} dir ${this.opts.dir}: ${message}`,
    });
  }
}

/** The RPC header fields, or null when the map is not one. */
function rpcHeader(
  v: unknown,
): { serviceMethod: string; seq: number; error?: string; kind: 'request' | 'response' } | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const m = v as Record<string, unknown>;
  const seq = typeof m.Seq === 'bigint' ? Number(m.Seq) : m.Seq;
  if (typeof m.ServiceMethod !== 'string' || typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) return null;
  if ('Error' in m) {
    if (typeof m.Error !== 'string') return null;
    return { serviceMethod: m.ServiceMethod, seq, error: m.Error, kind: 'response' };
  }
  return { serviceMethod: m.ServiceMethod, seq, kind: 'request' };
}
