/**
 * AMQP 0-9-1 connection: two frame decoders (one per direction) → methods and whole
 * messages (content method + content header + body frames, assembled per channel).
 *
 * Direction 0 is client → broker. Connection.Tune / Tune-Ok set the frame-max that both
 * directions enforce. The SASL `response` of Connection.Start-Ok / Secure-Ok is read past
 * and never decoded (see spec.ts), so credentials cannot reach an event.
 */
import type { ConnectionInfo, Direction, EndReason, StreamHandler } from '../../net/types.js';
import { byteBudget, type BudgetHolder, type ByteBudget } from '../byteBudget.js';
import type {
  AmqpFieldValue,
  AmqpMessage,
  AmqpMethod,
  AmqpProperties,
  ProtocolContext,
  ProtocolCounters,
} from '../types.js';
import { count } from '../types.js';
import { AmqpFrameDecoder, type FrameSink } from './frameDecoder.js';
import {
  FRAME_BODY,
  FRAME_HEADER,
  FRAME_HEARTBEAT,
  FRAME_METHOD,
  FRAME_TYPE_NAMES,
  methodSpec,
  PROPERTY_LAYOUT,
} from './spec.js';
import { AmqpDecodeError, WireReader } from './wireReader.js';

export interface AmqpEvents {
  method?(m: AmqpMethod): void;
  message(m: AmqpMessage): void;
}

/** A content being assembled on one channel of one direction; its body buffer is held from the session's budget. */
class PendingContent implements BudgetHolder {
  held = 0;
  readonly owner = 'amqp';
  properties: AmqpProperties | null = null;
  bodySize = 0;
  received = 0;
  /** Grown by doubling as body frames come (not sized by the header's claim), up to maxBodyBytes. */
  body: Uint8Array | null = null;
  kept = 0;
  /** Bytes kept at most: min(body size, maxBodyBytes); 0 once the budget took the body back. */
  keep = 0;
  constructor(
    readonly method: string,
    readonly args: Record<string, AmqpFieldValue>,
    readonly firstByte: number,
    private readonly counters: ProtocolCounters,
  ) {}

  evict(): void {
    this.body = new Uint8Array(0);
    this.kept = 0;
    this.keep = 0;
    count(this.counters, 'amqp', 'budgetCuts');
  }
}

/** Warnings per connection beyond which only counters grow. */
const MAX_WARNINGS_PER_CONNECTION = 20;

/** Counter names made once per name, not per frame (`frames.method`, `methods.Basic.Publish`, …). */
const frameCounter: Record<number, string> = {};
function frameCounterName(type: number): string {
  return (frameCounter[type] ??= `frames.${FRAME_TYPE_NAMES[type]}`);
}
const counterNames = { 'methods.': new Map<string, string>(), 'messages.': new Map<string, string>() };
function prefixed(prefix: keyof typeof counterNames, name: string): string {
  const names = counterNames[prefix];
  let n = names.get(name);
  if (n === undefined) {
    if (names.size > 1000) names.clear(); // `unknown.C.M` names come from the wire
    names.set(name, (n = prefix + name));
  }
  return n;
}

export class AmqpConnectionParser implements StreamHandler {
  private readonly decoders: [AmqpFrameDecoder, AmqpFrameDecoder];
  /** Per direction: channel → content being assembled. */
  private readonly contents: [Map<number, PendingContent>, Map<number, PendingContent>] = [
    new Map<number, PendingContent>(),
    new Map<number, PendingContent>(),
  ];
  private warnings = 0;
  private skipped = false;
  private sawFrame = false;
  private readonly budget: ByteBudget;

  constructor(
    private readonly conn: ConnectionInfo,
    private readonly events: AmqpEvents,
    private readonly ctx: ProtocolContext,
  ) {
    count(ctx.counters, 'amqp', 'connections');
    this.budget = byteBudget(ctx);
    this.decoders = [new AmqpFrameDecoder(this.sink(0), ctx, true), new AmqpFrameDecoder(this.sink(1), ctx, false)];
  }

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    this.decoders[dir].data(bytes, ts);
  }

  gap(dir: Direction, bytes: number, ts: number): void {
    this.decoders[dir].gap(bytes, ts);
  }

  end(dir: Direction, ts: number, _reason: EndReason): void {
    this.decoders[dir].end(ts);
    this.discardAll(dir, 'connection ended');
  }

  // ──────────────────────────────────────── frames

  private sink(dir: Direction): FrameSink {
    return {
      frame: (type, channel, payload, firstTs, lastTs) => this.frame(dir, type, channel, payload, firstTs, lastTs),
      lost: () => this.discardAll(dir, 'bytes lost'),
      abandon: (reason, ts) => this.abandon(reason, ts),
      warn: (message, ts) => this.warn(`dir ${dir}: ${message}`, ts),
    };
  }

  private frame(
    dir: Direction,
    type: number,
    channel: number,
    payload: Uint8Array,
    firstTs: number,
    lastTs: number,
  ): void {
    count(this.ctx.counters, 'amqp', frameCounterName(type));
    if (!this.sawFrame) {
      this.sawFrame = true;
      count(this.ctx.counters, 'amqp', 'connectionsWithFrames');
    }
    if (type === FRAME_METHOD) this.methodFrame(dir, channel, payload, firstTs);
    else if (type === FRAME_HEADER) this.headerFrame(dir, channel, payload, lastTs);
    else if (type === FRAME_BODY) this.bodyFrame(dir, channel, payload, lastTs);
    else if (type !== FRAME_HEARTBEAT) count(this.ctx.counters, 'amqp', 'badFrameType');
  }

  private methodFrame(dir: Direction, channel: number, payload: Uint8Array, ts: number): void {
    const r = new WireReader(payload, 0, payload.length);
    let classId: number;
    let methodId: number;
    try {
      classId = r.u16();
      methodId = r.u16();
    } catch {
      count(this.ctx.counters, 'amqp', 'badMethodFrames');
      return;
    }
    const spec = methodSpec(classId, methodId);
    const name = spec?.name ?? `unknown.${classId}.${methodId}`;
    count(this.ctx.counters, 'amqp', prefixed('methods.', name));
    const args = Object.create(null) as Record<string, AmqpFieldValue>;
    if (spec !== undefined) {
      try {
        for (const a of spec.args) {
          if (a.skip) r.skipArg(a.type);
          else args[a.name] = r.arg(a.type);
        }
      } catch (e) {
        if (!(e instanceof AmqpDecodeError)) throw e;
        count(this.ctx.counters, 'amqp', 'badMethodArgs');
        this.warn(`dir ${dir} channel ${channel}: ${name} arguments undecodable (${e.message})`, ts);
      }
    } else {
      count(this.ctx.counters, 'amqp', 'unknownMethods');
    }
    this.events.method?.({ conn: this.conn, dir, channel, classId, methodId, name, args, ts });

    if (name === 'Connection.Tune' || name === 'Connection.Tune-Ok')
      this.setFrameMax(args.frameMax, name === 'Connection.Tune-Ok');
    if (name === 'Channel.Close' || name === 'Channel.Close-Ok' || name === 'Channel.Open')
      this.discard(dir, channel, name);
    if (spec?.content) {
      const contents = this.contents[dir];
      if (contents.has(channel)) this.discard(dir, channel, `new ${name} before the previous content completed`);
      contents.set(channel, new PendingContent(name, args, ts, this.ctx.counters));
    }
  }

  /** Tune proposes, Tune-Ok settles; 0 means "no limit" (ctx.limits still bounds it). */
  private setFrameMax(value: AmqpFieldValue | undefined, settled: boolean): void {
    if (typeof value !== 'number') return;
    for (const d of this.decoders) if (settled || d.frameMax === 0) d.frameMax = value;
  }

  private headerFrame(dir: Direction, channel: number, payload: Uint8Array, ts: number): void {
    const c = this.contents[dir].get(channel);
    if (c === undefined || c.properties !== null) {
      count(this.ctx.counters, 'amqp', 'orphanHeaderFrames');
      if (c !== undefined) this.discard(dir, channel, 'second content header');
      return;
    }
    const r = new WireReader(payload, 0, payload.length);
    try {
      r.u16(); // class id
      r.u16(); // weight
      const size = r.u64();
      c.bodySize = typeof size === 'number' ? size : Number.MAX_SAFE_INTEGER;
      c.properties = readProperties(r);
    } catch (e) {
      if (!(e instanceof AmqpDecodeError)) throw e;
      count(this.ctx.counters, 'amqp', 'badHeaderFrames');
      this.warn(`dir ${dir} channel ${channel}: content header undecodable (${e.message})`, ts);
      this.discard(dir, channel, 'bad content header');
      return;
    }
    c.keep = Math.min(c.bodySize, this.ctx.limits.maxBodyBytes);
    // A small body gets its whole buffer now (small ones from Node's pool: an ArrayBuffer
    // per message cost ~2 µs); a large claim only a first piece, grown as bytes come.
    this.growBody(c, Math.min(c.keep, 16384));
    if (c.bodySize === 0) this.emit(dir, channel, c, ts);
  }

  private bodyFrame(dir: Direction, channel: number, payload: Uint8Array, ts: number): void {
    const c = this.contents[dir].get(channel);
    if (c === undefined || c.body === null) {
      // Its method or header was lost (capture start, gap): nothing to attach it to.
      count(this.ctx.counters, 'amqp', 'orphanBodyFrames');
      count(this.ctx.counters, 'amqp', 'orphanBodyBytes', payload.length);
      if (c !== undefined) this.discard(dir, channel, 'body before content header');
      return;
    }
    if (c.kept + payload.length > c.body.length && c.body.length < c.keep) {
      this.growBody(c, Math.min(c.keep, Math.max(c.kept + payload.length, 2 * c.body.length)));
    }
    const room = c.body.length - c.kept;
    if (room > 0) {
      const n = Math.min(room, payload.length);
      c.body.set(n === payload.length ? payload : payload.subarray(0, n), c.kept);
      c.kept += n;
    }
    c.received += payload.length;
    if (c.received >= c.bodySize) {
      if (c.received > c.bodySize) count(this.ctx.counters, 'amqp', 'bodyOverruns');
      this.emit(dir, channel, c, ts);
    }
  }

  /** The body's buffer grows to `size` (taken from the budget); when refused, the body is cut. */
  private growBody(c: PendingContent, size: number): void {
    if (!this.budget.resize(c, size)) {
      c.evict();
      return;
    }
    // Not zero-filled: only the first `kept` bytes, all copied from body frames, are ever shown.
    const grown = Buffer.allocUnsafe(size);
    if (c.body !== null) grown.set(c.body.subarray(0, c.kept));
    c.body = grown;
  }

  private emit(dir: Direction, channel: number, c: PendingContent, lastByte: number): void {
    this.contents[dir].delete(channel);
    this.budget.release(c);
    const truncated = c.kept < c.bodySize;
    if (truncated) count(this.ctx.counters, 'amqp', 'bodyTruncated');
    count(this.ctx.counters, 'amqp', 'messages');
    count(this.ctx.counters, 'amqp', prefixed('messages.', c.method));
    const a = c.args;
    const msg: AmqpMessage = {
      conn: this.conn,
      dir,
      channel,
      method: c.method,
      exchange: typeof a.exchange === 'string' ? a.exchange : '',
      routingKey: typeof a.routingKey === 'string' ? a.routingKey : '',
      properties: c.properties ?? {},
      body: c.body === null ? new Uint8Array(0) : c.body.subarray(0, c.kept),
      bodySize: c.bodySize,
      bodyTruncated: truncated,
      firstByte: c.firstByte,
      lastByte,
    };
    if (typeof a.deliveryTag === 'number') msg.deliveryTag = a.deliveryTag;
    if (typeof a.consumerTag === 'string') msg.consumerTag = a.consumerTag;
    this.events.message(msg);
  }

  // ──────────────────────────────────────── losses

  private discard(dir: Direction, channel: number, _why: string): void {
    const c = this.contents[dir].get(channel);
    if (c === undefined) return;
    this.budget.release(c);
    this.contents[dir].delete(channel);
    count(this.ctx.counters, 'amqp', 'contentDiscarded');
  }

  private discardAll(dir: Direction, _why: string): void {
    const n = this.contents[dir].size;
    if (n > 0) count(this.ctx.counters, 'amqp', 'contentDiscarded', n);
    for (const c of this.contents[dir].values()) this.budget.release(c);
    this.contents[dir].clear();
  }

  private abandon(reason: string, ts: number): void {
    if (this.skipped) return;
    this.skipped = true;
    count(this.ctx.counters, 'amqp', 'skippedConnections');
    this.warn(`${reason}; skipping the rest of the connection`, ts);
    for (const d of this.decoders) d.skip();
    this.discardAll(0, reason);
    this.discardAll(1, reason);
  }

  private warn(message: string, ts: number): void {
    if (++this.warnings > MAX_WARNINGS_PER_CONNECTION) {
      count(this.ctx.counters, 'amqp', 'warningsSuppressed');
      return;
    }
    const { client, server } = this.conn;
    this.ctx.warn({
      stage: 'protocols',
      protocol: 'amqp',
      conn: this.conn.id,
      ts,
      message: `${client.ip}:${client.port} → ${server.ip}:${server.port}: ${message}`,
    });
  }
}

/** Content header properties after class, weight and body size (flags words, then values). */
function readProperties(r: WireReader): AmqpProperties {
  // Flag words chain through bit 0 ("continuation"); 0-9-1 defines one word's worth.
  const flagWords: number[] = [];
  do flagWords.push(r.u16());
  while ((flagWords[flagWords.length - 1] & 1) !== 0 && flagWords.length < 4);
  const flags = flagWords[0];
  const props: Record<string, AmqpFieldValue> = {};
  for (let k = 0; k < PROPERTY_LAYOUT.length; k++) {
    if ((flags & (1 << (15 - k))) === 0) continue;
    const [name, type] = PROPERTY_LAYOUT[k];
    const value = r.arg(type);
    if (name !== 'clusterId') props[name] = value;
  }
  if (typeof props.timestamp === 'bigint') props.timestamp = Number(props.timestamp);
  return props;
}
