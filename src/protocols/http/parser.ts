/**
 * An HTTP/1.x connection: requests (direction 0) paired in order with their final
 * responses (direction 1), pipelining included. Interim 1xx responses (e.g. the `100
 * Continue` of `Expect: 100-continue`) are counted and skipped. When framing is lost on
 * the response side, no later response can be trusted to answer an earlier request, so
 * every request still waiting is given up as incomplete rather than mis-paired.
 */
import type { ConnectionInfo, Direction, EndReason, StreamHandler } from '../../net/types.js';
import {
  count,
  type Header,
  type HttpExchange,
  type HttpRequest,
  type HttpResponse,
  type ProtocolContext,
} from '../types.js';
import { requestFraming, responseFraming } from './framing.js';
import { Fifo } from './fifo.js';
import { HttpMessageReader, type BodyPlan, type HttpHead, type HttpMessage } from './messageReader.js';

/** What `keepBody` sees to decide whether a body is worth copying. */
export interface HttpHeadInfo {
  dir: Direction;
  headers: readonly Header[];
  /** The request's method and target (for a response: of the request it answers, if seen). */
  method?: string;
  target?: string;
  status?: number;
}

export interface HttpParserOptions {
  /** Copy this message's body? Default: always (bounded by limits.maxBodyBytes). */
  keepBody?: (head: HttpHeadInfo) => boolean;
  /** The capture began mid-connection (no SYN): scan for the first message start. */
  midStream?: boolean;
}

/** Requests waiting for their responses on one connection before the oldest is given up. */
const maxPendingRequests = 1024;

/** Warnings per connection before the rest are only counted. */
const MAX_WARNINGS_PER_CONNECTION = 20;

type Answer = 'pending' | 'receiving' | 'done';

interface Pending {
  method: string;
  target: string;
  firstByte: number;
  request: HttpRequest | null;
  requestIncomplete?: string;
  answer: Answer;
  response: HttpResponse | null;
  responseIncomplete?: string;
}

export class HttpConnectionParser implements StreamHandler {
  private readonly requests: HttpMessageReader;
  private readonly responses: HttpMessageReader;
  /** Exchanges in request order, emitted from the front once both sides are done. */
  private readonly queue = new Fifo<Pending>();
  /** The exchange whose final response is being read (null: interim or orphan response). */
  private answering: Pending | null = null;
  private ended: [boolean, boolean] = [false, false];
  private warnings = 0;

  constructor(
    private readonly conn: ConnectionInfo,
    private readonly onExchange: (ex: HttpExchange) => void,
    private readonly ctx: ProtocolContext,
    private readonly options: HttpParserOptions = {},
  ) {
    this.requests = new HttpMessageReader(
      true,
      ctx,
      {
        head: (h) => this.requestHead(h),
        message: (m, why) => this.requestDone(m, why),
        lost: () => {},
      },
      (msg, ts) => this.warn(msg, ts),
    );
    this.responses = new HttpMessageReader(
      false,
      ctx,
      {
        head: (h) => this.responseHead(h),
        message: (m, why) => this.responseDone(m, why),
        lost: (why) => this.responsesLost(why),
      },
      (msg, ts) => this.warn(msg, ts),
    );
    if (options.midStream) {
      this.requests.startScanning();
      this.responses.startScanning();
    }
  }

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    (dir === 0 ? this.requests : this.responses).data(bytes, ts);
  }

  gap(dir: Direction, bytes: number, ts: number): void {
    (dir === 0 ? this.requests : this.responses).gap(bytes, ts);
  }

  end(dir: Direction, ts: number, reason: EndReason): void {
    if (this.ended[dir]) return;
    this.ended[dir] = true;
    (dir === 0 ? this.requests : this.responses).end(ts, reason);
    if (dir === 1) this.giveUpWaiting(`no response before the connection ended (${reason})`);
    this.emitReady();
    if (this.ended[0] && this.ended[1]) this.flush();
  }

  // ─────────────────────────────── requests

  private requestHead(h: HttpHead): BodyPlan {
    const line = h.request!;
    count(this.ctx.counters, 'http', 'requests');
    const pending: Pending = {
      method: line.method,
      target: line.target,
      firstByte: h.firstByte,
      request: null,
      answer: 'pending',
      response: null,
    };
    if (this.ended[1]) {
      pending.answer = 'done';
      pending.responseIncomplete = 'no response: the server side had ended';
    }
    this.queue.push(pending);
    if (this.queue.length > maxPendingRequests) this.dropOldestPending();
    const keep =
      this.options.keepBody?.({ dir: 0, headers: h.headers, method: line.method, target: line.target }) ?? true;
    return { framing: requestFraming(h.headers), keep };
  }

  private requestDone(m: HttpMessage, incomplete: string | undefined): void {
    // the request being read is the last one whose head was seen
    for (let k = 0; k < this.queue.length; k++) {
      const p = this.queue.fromBack(k)!;
      if (p.request !== null) break;
      if (p.firstByte === m.firstByte && p.target === m.request!.target) {
        p.request = toRequest(m);
        if (incomplete !== undefined) p.requestIncomplete = incomplete;
        break;
      }
    }
    this.emitReady();
  }

  // ─────────────────────────────── responses

  private responseHead(h: HttpHead): BodyPlan {
    const status = h.status!.status;
    if (status >= 100 && status < 200 && status !== 101) {
      count(this.ctx.counters, 'http', 'interimResponses');
      this.answering = null;
      return { framing: { kind: 'none' }, keep: false };
    }
    let target: Pending | null = null;
    for (const p of this.queue) {
      if (p.answer === 'pending') {
        target = p;
        break;
      }
    }
    // a response cannot begin before the request it answers
    if (target !== null && h.firstByte < target.firstByte) target = null;
    if (target === null) {
      count(this.ctx.counters, 'http', 'orphanResponses');
      this.warn(`response ${status} with no request waiting for it`, h.firstByte);
    } else target.answer = 'receiving';
    this.answering = target;
    const keep =
      target !== null &&
      (this.options.keepBody?.({ dir: 1, headers: h.headers, method: target.method, target: target.target, status }) ??
        true);
    const framing = responseFraming(status, h.headers, target?.method);
    if (framing.kind === 'tunnel') this.requests.stop();
    return { framing, keep };
  }

  private responseDone(m: HttpMessage, incomplete: string | undefined): void {
    const status = m.status!.status;
    if (status >= 100 && status < 200 && status !== 101) return;
    count(this.ctx.counters, 'http', 'responses');
    const p = this.answering;
    this.answering = null;
    if (p === null) return;
    p.response = toResponse(m);
    if (incomplete !== undefined) p.responseIncomplete = incomplete;
    p.answer = 'done';
    this.emitReady();
  }

  /** Response framing lost: later responses may answer any of the waiting requests. */
  private responsesLost(why: string): void {
    this.answering = null;
    this.giveUpWaiting(`response lost: ${why}`);
    this.emitReady();
  }

  private giveUpWaiting(why: string): void {
    for (const p of this.queue) {
      if (p.answer === 'done') continue;
      p.answer = 'done';
      p.responseIncomplete ??= why;
    }
  }

  // ─────────────────────────────── emission

  private emitReady(): void {
    for (let p = this.queue.first(); p !== undefined; p = this.queue.first()) {
      if (p.request === null || p.answer !== 'done') return;
      this.queue.shift();
      this.emit(p);
    }
  }

  /**
   * Requests pipelined with no response: past the cap the oldest is given up (emitted
   * without a response, counted) instead of the queue growing without bound.
   */
  private dropOldestPending(): void {
    const p = this.queue.first()!;
    count(this.ctx.counters, 'http', 'pendingLimitHits');
    if (p.answer !== 'done') {
      p.answer = 'done';
      p.responseIncomplete ??= `no response: more than ${maxPendingRequests} requests waiting`;
    }
    if (p.request === null) {
      // Its message is still being read (it is also the newest): nothing to emit yet.
      return;
    }
    this.queue.shift();
    this.emit(p);
    this.emitReady();
  }

  /** Both directions ended: whatever is left is emitted as it stands. */
  private flush(): void {
    for (const p of this.queue.drain()) {
      if (p.request === null) continue; // a head without its message cannot happen after end(0)
      p.responseIncomplete ??= p.answer === 'done' ? undefined : 'no response before end of input';
      this.emit(p);
    }
  }

  private emit(p: Pending): void {
    const ex: HttpExchange = { conn: this.conn, request: p.request!, response: p.response };
    const why: string[] = [];
    if (p.requestIncomplete !== undefined) why.push(p.requestIncomplete);
    if (p.responseIncomplete !== undefined) why.push(p.responseIncomplete);
    if (why.length > 0) {
      ex.incomplete = why.join('; ');
      count(this.ctx.counters, 'http', 'incomplete');
    }
    count(this.ctx.counters, 'http', 'exchanges');
    this.onExchange(ex);
  }

  private warn(message: string, ts: number): void {
    if (++this.warnings > MAX_WARNINGS_PER_CONNECTION) {
      count(this.ctx.counters, 'http', 'warningsSuppressed');
      return;
    }
    this.ctx.warn({ stage: 'protocols', protocol: 'http', conn: this.conn.id, ts, message });
  }
}

function toRequest(m: HttpMessage): HttpRequest {
  const r = m.request!;
  const req: HttpRequest = {
    method: r.method,
    target: r.target,
    version: r.version,
    headers: m.headers,
    body: m.body,
    bodyTruncated: m.bodyTruncated,
    bodyLength: m.bodyLength,
    firstByte: m.firstByte,
    lastByte: m.lastByte,
  };
  if (m.trailers !== undefined) req.trailers = m.trailers;
  if (m.bodyEncoded !== undefined) req.bodyEncoded = m.bodyEncoded;
  return req;
}

function toResponse(m: HttpMessage): HttpResponse {
  const s = m.status!;
  const res: HttpResponse = {
    status: s.status,
    reason: s.reason,
    version: s.version,
    headers: m.headers,
    body: m.body,
    bodyTruncated: m.bodyTruncated,
    bodyLength: m.bodyLength,
    firstByte: m.firstByte,
    lastByte: m.lastByte,
  };
  if (m.trailers !== undefined) res.trailers = m.trailers;
  if (m.bodyEncoded !== undefined) res.bodyEncoded = m.bodyEncoded;
  return res;
}
