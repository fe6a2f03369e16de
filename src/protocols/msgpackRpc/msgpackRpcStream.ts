/**
 * Both directions of one msgpack RPC stream (a yamux stream, or a whole TCP connection for
 * plain RPC), with requests matched to responses by Seq.
 *
 * net/rpc lets a client pipeline calls on one stream, so several requests may wait at
 * once; a response takes the request with its Seq. A request still waiting when the
 * stream closes is emitted with `response: null`. A response whose request was not seen
 * (sent before the capture started, or lost) is counted, not emitted: an exchange needs
 * its request.
 */
import type { ConnectionInfo, Direction, EndReason, StreamHandler } from '../../net/types.js';
import { count, type MsgpackRpcExchange, type MsgpackRpcMessage, type ProtocolContext } from '../types.js';
import { MsgpackRpcStreamDecoder, type MsgpackBodyPlanner } from './msgpackRpcStreamDecoder.js';

const group = 'msgpack-rpc';

export interface MsgpackRpcStreamOptions {
  /** yamux stream id (0 for a plain RPC connection). */
  streamId?: number;
  /** Start both directions by looking for a header (seen from the middle). */
  resync?: boolean;
  /** Every decoded message, before matching (counting, tests). */
  onMessage?: (m: MsgpackRpcMessage) => void;
  /** What to decode of each body (default: all of it). */
  bodyPlan?: MsgpackBodyPlanner;
}

export class MsgpackRpcStream implements StreamHandler {
  readonly streamId: number;
  private readonly decoders: [MsgpackRpcStreamDecoder, MsgpackRpcStreamDecoder];
  /** Requests waiting for their response, by Seq, in arrival order. */
  private readonly waiting = new Map<number, MsgpackRpcMessage>();
  private readonly ended: [boolean, boolean] = [false, false];
  private closed = false;

  constructor(
    readonly conn: ConnectionInfo,
    private readonly onExchange: (ex: MsgpackRpcExchange) => void,
    private readonly ctx: ProtocolContext,
    private readonly opts: MsgpackRpcStreamOptions = {},
  ) {
    this.streamId = opts.streamId ?? 0;
    const make = (dir: Direction) =>
      new MsgpackRpcStreamDecoder((m) => this.onMessage(m), ctx, {
        conn,
        dir,
        streamId: this.streamId,
        resync: opts.resync,
        bodyPlan: opts.bodyPlan,
      });
    this.decoders = [make(0), make(1)];
  }

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    this.decoders[dir].feed(bytes, ts);
  }

  gap(dir: Direction, bytes: number, ts: number): void {
    this.decoders[dir].gap(bytes, ts);
  }

  end(dir: Direction, ts: number, _reason?: EndReason | string): void {
    if (this.ended[dir]) return;
    this.ended[dir] = true;
    this.decoders[dir].end(ts);
    if (this.ended[0] && this.ended[1]) this.close(ts);
  }

  /** The stream is gone (both ends, RST, end of capture): flush unanswered requests. */
  close(ts: number): void {
    if (this.closed) return;
    this.closed = true;
    for (const d of [0, 1] as const) if (!this.ended[d]) this.end(d, ts);
    for (const req of this.waiting.values()) {
      count(this.ctx.counters, group, 'unanswered');
      this.onExchange({ conn: this.conn, streamId: this.streamId, request: req, response: null });
    }
    this.waiting.clear();
  }

  private onMessage(m: MsgpackRpcMessage): void {
    this.opts.onMessage?.(m);
    if (m.kind === 'request') {
      const earlier = this.waiting.get(m.seq);
      if (earlier) {
        // A reused Seq means the earlier call's reply was lost (or never sent).
        count(this.ctx.counters, group, 'unanswered');
        this.onExchange({ conn: this.conn, streamId: this.streamId, request: earlier, response: null });
        this.waiting.delete(m.seq);
      }
      this.waiting.set(m.seq, m);
      return;
    }
    const req = this.waiting.get(m.seq);
    if (!req) {
      count(this.ctx.counters, group, 'responsesWithoutRequest');
      return;
    }
    this.waiting.delete(m.seq);
    count(this.ctx.counters, group, 'exchanges');
    if (req.serviceMethod !== m.serviceMethod) count(this.ctx.counters, group, 'methodMismatches');
    this.onExchange({ conn: this.conn, streamId: this.streamId, request: req, response: m });
  }
}
