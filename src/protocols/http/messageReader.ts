/**
 * One direction of an HTTP/1.x connection: bytes → messages (head, de-chunked body,
 * trailers), each with the timestamps of the chunks carrying its first and last byte.
 * Pairing requests with responses is the connection parser's job (parser.ts); this
 * reader only frames. It never throws on bad bytes: it reports the message it was in as
 * cut short and scans for the next message start (resync.ts).
 */
import { byteBudget, type BudgetHolder, type ByteBudget } from '../byteBudget.js';
import { count, type Header, type ProtocolContext } from '../types.js';
import type { BodyFraming } from './framing.js';
import { headerValue, parseHead, parseHeaderLines, type RequestLine, type StatusLine } from './headers.js';
import { inflateBody, type InflateBudget } from './inflate.js';
import { scanForMessage } from './resync.js';

/** A parsed start line + headers, before the body. */
export interface HttpHead {
  request?: RequestLine;
  status?: StatusLine;
  headers: Header[];
  firstByte: number;
}

/** What the owner decides once it has seen a head. */
export interface BodyPlan {
  framing: BodyFraming;
  /** Copy the body? (its length is counted either way) */
  keep: boolean;
}

/** A finished (or cut) message. */
export interface HttpMessage extends HttpHead {
  body: Buffer;
  bodyTruncated: boolean;
  bodyLength: number;
  /** Content-Encoding still applied to `body` (unsupported coding or corrupt data). */
  bodyEncoded?: string;
  trailers?: Header[];
  lastByte: number;
}

export interface MessageSink {
  head(head: HttpHead): BodyPlan;
  /** `incomplete` says why the message was cut short, when it was. */
  message(msg: HttpMessage, incomplete: string | undefined): void;
  /** Message framing was lost (gap, bad bytes): the reader is scanning for the next start. */
  lost(reason: string): void;
}

const S = {
  head: 0,
  length: 1,
  chunkSize: 2,
  chunkData: 3,
  chunkDataEnd: 4,
  trailers: 5,
  close: 6,
  resync: 7,
  dead: 8,
} as const;
type State = (typeof S)[keyof typeof S];

/** Bodies up to this Content-Length get their buffer when the head arrives. */
const MAX_PREALLOCATED_BODY = 1024 * 1024;

const CR = 13;
const LF = 10;
const HEAD_END = Buffer.from('\r\n\r\n');
/** Longest chunk-size line (size + extensions) we accept. */
const MAX_CHUNK_LINE = 4096;
/** Largest chunk size: 13 hex digits keep it an exact number. */
const MAX_CHUNK_HEX = 13;
const EMPTY = Buffer.alloc(0);

/** The message being read, once its head is parsed. */
interface Current {
  head: HttpHead;
  keep: boolean;
  /**
   * The body's one buffer: sized up front when its length is known and small, else grown
   * by doubling, never a buffer per segment or chunk (millions of one-byte chunks).
   */
  whole: Buffer | null;
  kept: number;
  bodyLength: number;
  truncated: boolean;
  trailers?: Header[];
  trailerBytes: number;
  /** Set when a gap was skipped inside the body (framing kept). */
  damaged?: string;
  lastByte: number;
}

export class HttpMessageReader implements BudgetHolder {
  /** Bytes of the current body's buffer, taken from the session's budget. */
  held = 0;
  readonly owner = 'http';
  private readonly budget: ByteBudget;
  private state: State = S.head;
  /** Head bytes spanning chunks (allocated on first need, grows to maxHeaderBytes). */
  private headBuf: Buffer | null = null;
  private headLen = 0;
  private headFirstTs = 0;
  /** Chunk-size / trailer line spanning chunks. */
  private lineBuf: Buffer | null = null;
  private lineLen = 0;
  private cur: Current | null = null;
  private remaining = 0;
  /** Bytes kept while resynchronising (a possible start line cut by a chunk end). */
  private carry: Buffer | null = null;
  /** No byte seen yet: a gap now means the capture began mid-stream. */
  private fresh = true;

  constructor(
    private readonly isRequest: boolean,
    private readonly ctx: ProtocolContext,
    private readonly sink: MessageSink,
    private readonly report: (message: string, ts: number) => void,
  ) {
    this.budget = byteBudget(ctx);
  }

  /** The budget needs the bytes back: the body being read is cut (its framing is kept). */
  evict(): void {
    const cur = this.cur;
    if (cur === null) return;
    cur.whole = null;
    cur.kept = 0;
    cur.truncated = true;
    cur.damaged ??= `${this.kind()} body dropped: the parsers' memory budget was needed`;
    count(this.ctx.counters, 'http', 'budgetCuts');
  }

  /** The current body's buffer grows to `size`; false (body cut) when the budget refuses. */
  private growBody(cur: Current, size: number): boolean {
    if (!this.budget.resize(this, size)) {
      this.evict();
      return false;
    }
    const grown = Buffer.allocUnsafe(size);
    if (cur.whole !== null) cur.whole.copy(grown, 0, 0, cur.kept);
    cur.whole = grown;
    return true;
  }

  data(bytes: Uint8Array, ts: number): void {
    this.fresh = false;
    let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let i = 0;
    while (i < buf.length) {
      switch (this.state) {
        case S.head:
          i = this.readHead(buf, i, ts);
          break;
        case S.length:
        case S.chunkData: {
          const n = Math.min(this.remaining, buf.length - i);
          this.addBody(buf, i, i + n, ts);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) {
            if (this.state === S.length) this.finish(ts);
            else this.state = S.chunkDataEnd;
          }
          break;
        }
        case S.chunkSize:
          i = this.readChunkSize(buf, i, ts);
          break;
        case S.chunkDataEnd: {
          const c = buf[i];
          if (c === CR) i++;
          else if (c === LF) {
            i++;
            this.state = S.chunkSize;
          } else {
            this.fail('no CRLF after chunk data', ts);
          }
          break;
        }
        case S.trailers:
          i = this.readTrailer(buf, i, ts);
          break;
        case S.close:
          this.addBody(buf, i, buf.length, ts);
          i = buf.length;
          break;
        case S.resync: {
          const r = this.resync(buf, i);
          buf = r.buf;
          i = r.i;
          break;
        }
        default:
          count(this.ctx.counters, 'http', 'bytesSkipped', buf.length - i);
          i = buf.length;
      }
    }
  }

  /** `bytes` were lost before the next data (-1: unknown). */
  gap(bytes: number, ts: number): void {
    count(this.ctx.counters, 'http', 'gaps');
    const known = bytes >= 0;
    const lost = known ? `${bytes} bytes lost` : 'unknown size';
    switch (this.state) {
      case S.head:
        if (this.headLen > 0) {
          count(this.ctx.counters, 'http', 'bytesSkipped', this.headLen);
          this.headLen = 0;
          this.loseFraming(`gap in ${this.kind()} headers (${lost})`, ts);
        } else {
          // between messages: the bytes after the gap may start the next one
          this.state = S.resync;
          this.carry = null;
          // before the first byte, the lost bytes precede the capture: no message was in them
          if (!this.fresh) this.sink.lost(`gap between messages (${lost})`);
        }
        return;
      case S.length:
      case S.chunkData:
        if (known && bytes < this.remaining) {
          // the body's length is known: skip the hole and stay in step
          this.remaining -= bytes;
          this.damage(bytes, `gap in ${this.kind()} body (${lost})`);
          return;
        }
        break;
      case S.close:
        // a body delimited by the close still ends at the close
        this.damage(known ? bytes : 0, `gap in ${this.kind()} body (${lost})`);
        return;
      case S.resync:
        this.carry = null;
        return;
      case S.dead:
        return;
    }
    this.loseFraming(`gap in ${this.kind()} ${this.state === S.trailers ? 'trailers' : 'body'} (${lost})`, ts);
  }

  end(ts: number, reason: string): void {
    switch (this.state) {
      case S.close:
        this.finish(this.cur?.lastByte ?? ts);
        break;
      case S.head:
        if (this.headLen > 0) {
          count(this.ctx.counters, 'http', 'truncatedHeads');
          this.report(`connection ended (${reason}) inside ${this.kind()} headers`, ts);
        }
        break;
      case S.length:
      case S.chunkSize:
      case S.chunkData:
      case S.chunkDataEnd:
      case S.trailers:
        this.deliverCut(`connection ended (${reason}) inside ${this.kind()} body`);
        break;
    }
    if (this.carry !== null) count(this.ctx.counters, 'http', 'bytesSkipped', this.carry.length);
    this.state = S.dead;
    this.headLen = 0;
    this.carry = null;
    this.budget.release(this);
  }

  /** The capture began mid-stream: scan for the first message start. */
  startScanning(): void {
    this.state = S.resync;
  }

  /** Stop parsing this direction (e.g. the connection switched protocols). */
  stop(): void {
    this.state = S.dead;
    this.budget.release(this);
  }

  private kind(): string {
    return this.isRequest ? 'request' : 'response';
  }

  // ─────────────────────────────── head

  private readHead(buf: Buffer, i: number, ts: number): number {
    const max = this.ctx.limits.maxHeaderBytes;
    if (this.headLen === 0) {
      // empty lines between messages are allowed (RFC 9112 §2.2)
      while (i < buf.length && (buf[i] === CR || buf[i] === LF)) i++;
      if (i === buf.length) return i;
      this.headFirstTs = ts;
      const end = buf.indexOf(HEAD_END, i);
      if (end >= 0 && end + 4 - i <= max) return this.onHead(buf, i, end + 4, ts, null);
      const n = Math.min(buf.length - i, max);
      this.appendHead(buf, i, n);
      if (end >= 0 || this.headLen >= max) return this.headTooLong(ts, i + n);
      return i + n;
    }
    const old = this.headLen;
    const n = Math.min(buf.length - i, max - old);
    this.appendHead(buf, i, n);
    const hb = this.headBuf!.subarray(0, this.headLen);
    const end = hb.indexOf(HEAD_END, Math.max(0, old - 3));
    if (end >= 0) {
      const consumed = end + 4 - old;
      this.headLen = 0;
      return this.onHead(hb, 0, end + 4, ts, i + consumed);
    }
    if (this.headLen >= max) return this.headTooLong(ts, i + n);
    return i + n;
  }

  private appendHead(buf: Buffer, i: number, n: number): void {
    const need = this.headLen + n;
    if (this.headBuf === null || this.headBuf.length < need) {
      const size = Math.min(this.ctx.limits.maxHeaderBytes, Math.max(4096, need, (this.headBuf?.length ?? 0) * 2));
      const grown = Buffer.allocUnsafe(size);
      if (this.headBuf !== null) this.headBuf.copy(grown, 0, 0, this.headLen);
      this.headBuf = grown;
    }
    buf.copy(this.headBuf, this.headLen, i, i + n);
    this.headLen = need;
  }

  private headTooLong(ts: number, next: number): number {
    count(this.ctx.counters, 'http', 'headerLimitHits');
    count(this.ctx.counters, 'http', 'bytesSkipped', this.headLen);
    this.headLen = 0;
    this.loseFraming(`${this.kind()} headers longer than ${this.ctx.limits.maxHeaderBytes} bytes`, ts);
    return next;
  }

  /**
   * A complete head in src[start, end). `resume` is where to go on in the data chunk
   * when `src` is the head buffer (null when `src` is the chunk itself).
   */
  private onHead(src: Buffer, start: number, end: number, ts: number, resume: number | null): number {
    const parsed = parseHead(src, start, end, this.isRequest);
    if (typeof parsed === 'string') {
      count(this.ctx.counters, 'http', 'parseErrors');
      this.loseFraming(`bad ${this.kind()} head: ${parsed}`, ts);
      if (resume === null) {
        count(this.ctx.counters, 'http', 'bytesSkipped', 1);
        return start + 1;
      }
      // rescan the head's bytes (after its first) before the rest of the chunk
      this.carry = Buffer.from(src.subarray(start + 1, end));
      count(this.ctx.counters, 'http', 'bytesSkipped', 1);
      return resume;
    }
    // Plain literals (a spread copy here and in deliver cost more than the rest of the head).
    const firstByte = this.headFirstTs;
    const head: HttpHead =
      parsed.request !== undefined
        ? { request: parsed.request, headers: parsed.headers, firstByte }
        : { status: parsed.status, headers: parsed.headers, firstByte };
    const plan = this.sink.head(head);
    this.cur = {
      head,
      keep: plan.keep,
      whole: null,
      kept: 0,
      bodyLength: 0,
      truncated: false,
      trailerBytes: 0,
      lastByte: ts,
    };
    const next = resume ?? end;
    const f = plan.framing;
    switch (f.kind) {
      case 'none':
        this.finish(ts);
        break;
      case 'length':
        // One copy into the body's own buffer instead of a copy per segment and a concat.
        if (plan.keep && f.length > 0 && f.length <= MAX_PREALLOCATED_BODY)
          this.growBody(this.cur, Math.min(f.length, this.ctx.limits.maxBodyBytes));
        this.remaining = f.length;
        this.state = S.length;
        break;
      case 'chunked':
        this.state = S.chunkSize;
        break;
      case 'close':
        this.state = S.close;
        break;
      case 'tunnel':
        this.finish(ts);
        count(this.ctx.counters, 'http', 'upgrades');
        this.state = S.dead;
        break;
      case 'error':
        count(this.ctx.counters, 'http', 'parseErrors');
        this.loseFraming(`${this.kind()} framing: ${f.message}`, ts);
        break;
    }
    return next;
  }

  // ─────────────────────────────── body

  private addBody(buf: Buffer, s: number, e: number, ts: number): void {
    const cur = this.cur!;
    cur.lastByte = ts;
    cur.bodyLength += e - s;
    if (!cur.keep || cur.truncated || e === s) return;
    const room = this.ctx.limits.maxBodyBytes - cur.kept;
    let take = Math.min(room, e - s);
    if (take > 0 && (cur.whole === null || cur.whole.length - cur.kept < take)) {
      const size = Math.min(
        this.ctx.limits.maxBodyBytes,
        Math.max(16384, cur.kept + take, (cur.whole?.length ?? 0) * 2),
      );
      if (!this.growBody(cur, size)) return;
    }
    take = Math.min(take, (cur.whole?.length ?? 0) - cur.kept);
    if (take > 0) {
      buf.copy(cur.whole!, cur.kept, s, s + take);
      cur.kept += take;
    }
    if (take < e - s) {
      cur.truncated = true;
      count(this.ctx.counters, 'http', 'bodyLimitHits');
    }
  }

  /** Bytes of the body were lost but its framing is intact. */
  private damage(bytes: number, reason: string): void {
    const cur = this.cur!;
    cur.bodyLength += bytes;
    cur.damaged ??= reason;
    // a body with a hole is not worth decoding
    cur.truncated = true;
  }

  private readLine(buf: Buffer, i: number, max: number, ts: number): { line: Buffer | null; next: number } {
    const lf = buf.indexOf(LF, i);
    const stop = lf < 0 ? buf.length : lf;
    let line: Buffer;
    if (lf >= 0 && this.lineLen === 0) line = buf.subarray(i, lf);
    else {
      const need = this.lineLen + (stop - i);
      if (need > max) {
        this.lineLen = 0;
        count(this.ctx.counters, 'http', 'parseErrors');
        this.loseFraming(`${this.kind()} chunk or trailer line longer than ${max} bytes`, ts);
        return { line: null, next: stop };
      }
      if (this.lineBuf === null || this.lineBuf.length < need) {
        const grown = Buffer.allocUnsafe(Math.max(256, need, (this.lineBuf?.length ?? 0) * 2));
        if (this.lineBuf !== null) this.lineBuf.copy(grown, 0, 0, this.lineLen);
        this.lineBuf = grown;
      }
      buf.copy(this.lineBuf, this.lineLen, i, stop);
      this.lineLen = need;
      if (lf < 0) return { line: null, next: stop };
      line = this.lineBuf.subarray(0, this.lineLen);
      this.lineLen = 0;
    }
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    return { line, next: lf + 1 };
  }

  private readChunkSize(buf: Buffer, i: number, ts: number): number {
    const { line, next } = this.readLine(buf, i, MAX_CHUNK_LINE, ts);
    if (line === null) return next;
    this.cur!.lastByte = ts;
    let e = line.indexOf(59); // ';' starts chunk extensions
    if (e < 0) e = line.length;
    let s = 0;
    while (s < e && (line[s] === 32 || line[s] === 9)) s++;
    while (e > s && (line[e - 1] === 32 || line[e - 1] === 9)) e--;
    const hex = line.toString('latin1', s, e);
    if (hex.length === 0 || hex.length > MAX_CHUNK_HEX || !/^[0-9a-fA-F]+$/.test(hex)) {
      count(this.ctx.counters, 'http', 'parseErrors');
      this.loseFraming(`bad chunk size ${JSON.stringify(hex.slice(0, 16))}`, ts);
      return next;
    }
    const size = parseInt(hex, 16);
    if (size === 0) this.state = S.trailers;
    else {
      this.remaining = size;
      this.state = S.chunkData;
    }
    return next;
  }

  private readTrailer(buf: Buffer, i: number, ts: number): number {
    const { line, next } = this.readLine(buf, i, this.ctx.limits.maxHeaderBytes, ts);
    if (line === null) return next;
    const cur = this.cur!;
    if (line.length === 0) {
      this.finish(ts);
      return next;
    }
    cur.trailerBytes += line.length + 2;
    if (cur.trailerBytes > this.ctx.limits.maxHeaderBytes) {
      count(this.ctx.counters, 'http', 'headerLimitHits');
      this.loseFraming(`${this.kind()} trailers longer than ${this.ctx.limits.maxHeaderBytes} bytes`, ts);
      return next;
    }
    const parsed = parseHeaderLines(line, 0, line.length);
    if (typeof parsed === 'string') {
      count(this.ctx.counters, 'http', 'parseErrors');
      this.loseFraming(`bad ${this.kind()} trailer: ${parsed}`, ts);
      return next;
    }
    (cur.trailers ??= []).push(...parsed);
    return next;
  }

  // ─────────────────────────────── message end

  private finish(ts: number): void {
    const cur = this.cur;
    if (cur === null) return;
    cur.lastByte = ts;
    this.state = S.head;
    this.deliver(cur, cur.damaged);
  }

  private deliverCut(reason: string): void {
    const cur = this.cur;
    if (cur === null) return;
    this.deliver(cur, reason);
  }

  private deliver(cur: Current, incomplete: string | undefined): void {
    this.cur = null;
    const h = cur.head;
    const msg: HttpMessage =
      h.request !== undefined
        ? {
            request: h.request,
            headers: h.headers,
            firstByte: h.firstByte,
            body: EMPTY,
            bodyTruncated: cur.truncated,
            bodyLength: cur.bodyLength,
            lastByte: cur.lastByte,
          }
        : {
            status: h.status,
            headers: h.headers,
            firstByte: h.firstByte,
            body: EMPTY,
            bodyTruncated: cur.truncated,
            bodyLength: cur.bodyLength,
            lastByte: cur.lastByte,
          };
    if (cur.trailers !== undefined) msg.trailers = cur.trailers;
    if (cur.kept > 0) this.decodeBody(cur, msg);
    this.budget.release(this);
    this.sink.message(msg, incomplete);
  }

  private decodeBody(cur: Current, msg: HttpMessage): void {
    // A buffer much larger than its body is copied down, not kept whole with the message.
    const raw =
      cur.whole!.length > 2 * cur.kept + 4096
        ? Buffer.from(cur.whole!.subarray(0, cur.kept))
        : cur.whole!.subarray(0, cur.kept);
    msg.body = raw;
    const encoding = headerValue(cur.head.headers, 'content-encoding');
    if (encoding === undefined || /^\s*(identity)?\s*$/i.test(encoding)) return;
    const r = inflateBody(raw, encoding, this.ctx.limits.maxBodyBytes, !cur.truncated, inflateBudget(this.ctx));
    if (r.ok) {
      msg.body = r.body;
      if (r.truncated && !cur.truncated) {
        msg.bodyTruncated = true;
        count(this.ctx.counters, 'http', 'inflateLimitHits');
        this.report(`${this.kind()} body inflates past ${this.ctx.limits.maxBodyBytes} bytes; cut`, cur.lastByte);
      }
      return;
    }
    msg.bodyEncoded = encoding;
    const counter =
      r.kind === 'unsupported' ? 'unsupportedEncodings' : r.kind === 'budget' ? 'inflateBudgetHits' : 'inflateErrors';
    count(this.ctx.counters, 'http', counter);
    // The budget is spent once per session: said once, then counted.
    if (r.kind !== 'budget') this.report(`${this.kind()} body not decoded: ${r.message}`, cur.lastByte);
    else if (this.ctx.counters.http.inflateBudgetHits === 1)
      this.report(
        `${this.kind()} body not decoded, nor any later compressed body: ${r.message} (--max-inflated-bytes ` +
          `${this.ctx.limits.maxInflatedBytes})`,
        cur.lastByte,
      );
  }

  /** Framing is lost: report the current message as cut, then scan for the next start. */
  private loseFraming(reason: string, ts: number): void {
    this.report(reason, ts);
    this.deliverCut(reason);
    this.state = S.resync;
    this.carry = null;
    this.sink.lost(reason);
  }

  private fail(reason: string, ts: number): void {
    count(this.ctx.counters, 'http', 'parseErrors');
    this.loseFraming(reason, ts);
  }

  // ─────────────────────────────── resync

  private resync(buf: Buffer, i: number): { buf: Buffer; i: number } {
    let work = buf;
    let from = i;
    if (this.carry !== null) {
      work = Buffer.concat([this.carry, buf.subarray(i)]);
      from = 0;
      this.carry = null;
    }
    const r = scanForMessage(work, from, this.isRequest);
    if (r.found) {
      count(this.ctx.counters, 'http', 'resyncs');
      count(this.ctx.counters, 'http', 'bytesSkipped', r.at - from);
      this.state = S.head;
      this.headLen = 0;
      return { buf: work, i: r.at };
    }
    if (r.keepFrom < work.length) this.carry = Buffer.from(work.subarray(r.keepFrom));
    count(this.ctx.counters, 'http', 'bytesSkipped', r.keepFrom - from);
    return { buf: work, i: work.length };
  }
}

/**
 * The session's decoding budget, kept beside its counters (every reader of a session shares
 * the context): what is left of `maxInflatedBytes`, with `http.inflatedBytes` the bytes spent.
 */
const budgets = new WeakMap<ProtocolContext, InflateBudget>();
function inflateBudget(ctx: ProtocolContext): InflateBudget {
  let b = budgets.get(ctx);
  if (b === undefined) {
    const spent = { remaining: ctx.limits.maxInflatedBytes };
    b = {
      get remaining() {
        return spent.remaining;
      },
      set remaining(v: number) {
        count(ctx.counters, 'http', 'inflatedBytes', spent.remaining - v);
        spent.remaining = v;
      },
    };
    budgets.set(ctx, b);
  }
  return b;
}
