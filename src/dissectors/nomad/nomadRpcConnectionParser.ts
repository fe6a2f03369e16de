/**
 * A TCP connection to Nomad's RPC port: reads the connection type byte, then plain msgpack
 * RPC, or yamux with msgpack RPC on its streams (0x03), or yamux whose streams each start
 * with their own type byte (0x06). Raft, TLS and streaming connections are counted and
 * skipped, as is an unknown type byte.
 *
 * A connection seen from its middle (the client direction starts with a gap) has lost its
 * type byte: it is decoded as yamux found by resynchronisation, and its streams as msgpack
 * RPC found by sniffing header maps (which also steps over a v2 stream's type byte).
 *
 * Bodies are decoded only as far as rpcMethods.ts reads them (nomadBodyPlan), unless
 * `fullBodies` is asked for. The method table names no secret key, so a secret is never
 * decoded; whole bodies are stripped of Nomad secrets (secrets.ts) before an exchange is
 * emitted.
 */
import type { ConnectionInfo, Direction, EndReason, StreamHandler } from '../../net/types.js';
import { MsgpackRpcStream } from '../../protocols/msgpackRpc/msgpackRpcStream.js';
import { count, type MsgpackRpcExchange, type ProtocolContext } from '../../protocols/types.js';
import {
  YamuxDecoder,
  type YamuxCloseReason,
  type YamuxEvents,
  type YamuxHeader,
} from '../../protocols/yamux/yamuxDecoder.js';
import { nomadConnectionTypes, typeByteKey, type NomadConnectionDecoding } from './connectionTypes.js';
import { nomadBodyPlan } from './rpcMethods.js';
import { dropNomadSecrets } from './secrets.js';

const group = 'nomad-rpc';
/** Server bytes held while the client's type byte has not arrived yet. */
const maxEarlyServerBytes = 64 * 1024;
const rpcStreamType = 0x01;

interface YamuxStream {
  rpc: MsgpackRpcStream | null;
  /** v2: the direction whose next byte is the stream's type byte. */
  typeDir: Direction | null;
  ended: [boolean, boolean];
}

export interface NomadRpcConnectionParserOptions {
  /** Every yamux frame header (counting, tests). */
  onYamuxFrame?: (dir: Direction, h: YamuxHeader, ts: number) => void;
  /** Decode every body whole (default: only the keys the Nomad method table reads). */
  fullBodies?: boolean;
}

type Mode = 'type' | NomadConnectionDecoding | 'midstream';

export class NomadRpcConnectionParser implements StreamHandler {
  private mode: Mode = 'type';
  private plain: MsgpackRpcStream | null = null;
  private yamux: [YamuxDecoder, YamuxDecoder] | null = null;
  private readonly streams = new Map<number, YamuxStream>();
  private early: { bytes: Uint8Array; ts: number }[] = [];
  private earlyBytes = 0;
  private lastTs = 0;
  private readonly bodyPlan: typeof nomadBodyPlan | undefined;

  constructor(
    readonly conn: ConnectionInfo,
    private readonly onExchange: (ex: MsgpackRpcExchange) => void,
    private readonly ctx: ProtocolContext,
    private readonly opts: NomadRpcConnectionParserOptions = {},
  ) {
    count(ctx.counters, group, 'connections');
    this.bodyPlan = opts.fullBodies ? undefined : nomadBodyPlan;
  }

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    this.lastTs = ts;
    if (bytes.length === 0) return;
    if (this.mode === 'type') {
      if (dir === 1) return this.holdEarly(bytes, ts);
      this.setMode(bytes[0], ts);
      bytes = bytes.subarray(1);
      const early = this.early;
      this.early = [];
      if (bytes.length > 0) this.forward(0, bytes, ts);
      for (const e of early) this.forward(1, e.bytes, e.ts);
      return;
    }
    this.forward(dir, bytes, ts);
  }

  gap(dir: Direction, bytes: number, ts: number): void {
    this.lastTs = ts;
    if (this.mode === 'type') {
      if (dir === 1) {
        // Lost server bytes before we know the type: drop what was held, keep waiting.
        this.early = [];
        this.earlyBytes = 0;
        return;
      }
      this.startMidstream(ts);
      return;
    }
    if (this.plain) this.plain.gap(dir, bytes, ts);
    else if (this.yamux) this.yamux[dir].gap(bytes, ts);
  }

  end(dir: Direction, ts: number, reason: EndReason): void {
    this.lastTs = ts;
    if (this.mode === 'type') {
      if (dir === 0 || this.early.length > 0) {
        count(this.ctx.counters, group, 'noTypeByte');
        this.mode = 'skip';
      }
      return;
    }
    if (this.plain) this.plain.end(dir, ts, reason);
    else if (this.yamux) this.yamux[dir].end(ts);
  }

  private setMode(typeByte: number, ts: number): void {
    const t = nomadConnectionTypes[typeByte];
    count(this.ctx.counters, group, typeByteKey('connType', typeByte));
    if (!t) {
      count(this.ctx.counters, group, 'unknownConnTypes');
      this.warn(
        `unknown RPC connection type byte 0x${typeByte.toString(16).padStart(2, '0')}; skipping the connection`,
        ts,
      );
      this.mode = 'skip';
      return;
    }
    this.mode = t.decoding;
    if (t.decoding === 'rpc')
      this.plain = new MsgpackRpcStream(this.conn, (ex) => this.emit(ex), this.ctx, {
        streamId: 0,
        bodyPlan: this.bodyPlan,
      });
    else if (t.decoding === 'multiplex' || t.decoding === 'multiplex-v2')
      this.yamux = [this.makeYamux(0, false), this.makeYamux(1, false)];
  }

  private startMidstream(ts: number): void {
    count(this.ctx.counters, group, 'connectionsSeenMidway');
    this.warn('connection seen from its middle (no type byte): looking for yamux frames', ts);
    this.mode = 'midstream';
    this.yamux = [this.makeYamux(0, true), this.makeYamux(1, true)];
    const early = this.early;
    this.early = [];
    for (const e of early) this.forward(1, e.bytes, e.ts);
  }

  private holdEarly(bytes: Uint8Array, ts: number): void {
    this.earlyBytes += bytes.length;
    if (this.earlyBytes > maxEarlyServerBytes) {
      // The client never sent a type byte we saw: this is not a connection we can place.
      this.startMidstream(ts);
      this.forward(1, bytes, ts);
      return;
    }
    this.early.push({ bytes: bytes.slice(), ts });
  }

  private forward(dir: Direction, bytes: Uint8Array, ts: number): void {
    if (this.plain) this.plain.data(dir, bytes, ts);
    else if (this.yamux) this.yamux[dir].feed(bytes, ts);
  }

  private makeYamux(dir: Direction, resync: boolean): YamuxDecoder {
    const events: YamuxEvents = {
      frame: this.opts.onYamuxFrame ? (h, ts) => this.opts.onYamuxFrame!(dir, h, ts) : undefined,
      streamOpen: (id, fromStart) => this.streamOpen(dir, id, fromStart),
      data: (id, bytes, ts) => this.streamData(dir, id, bytes, ts),
      streamGap: (id, n, ts) => this.streamGap(dir, id, n, ts),
      streamClose: (id, reason, ts) => this.streamClose(dir, id, reason, ts),
    };
    return new YamuxDecoder(events, this.ctx, { conn: this.conn.id, dir, resync });
  }

  private streamOpen(dir: Direction, id: number, fromStart: boolean): void {
    if (this.streams.has(id)) return;
    if (!fromStart) count(this.ctx.counters, group, 'streamsJoinedMidway');
    // Joined late (or type unknown): find messages by their header maps.
    const resync = !fromStart || this.mode === 'midstream';
    // v2: the opener's first byte on the stream is the stream's type.
    const typeDir = this.mode === 'multiplex-v2' && fromStart ? dir : null;
    this.streams.set(id, {
      rpc: new MsgpackRpcStream(this.conn, (ex) => this.emit(ex), this.ctx, {
        streamId: id,
        resync,
        bodyPlan: this.bodyPlan,
      }),
      typeDir,
      ended: [false, false],
    });
  }

  private streamData(dir: Direction, id: number, bytes: Uint8Array, ts: number): void {
    const s = this.streams.get(id);
    if (!s || !s.rpc) return;
    if (s.typeDir === dir) {
      s.typeDir = null;
      const t = bytes[0];
      count(this.ctx.counters, group, typeByteKey('streamType', t));
      if (t !== rpcStreamType) {
        // Streaming RPC and the rest are counted, not decoded; an unknown byte is warned.
        if (!nomadConnectionTypes[t])
          this.warn(`unknown stream type byte 0x${t.toString(16)} on yamux stream ${id}; skipping the stream`, ts);
        s.rpc = null;
        return;
      }
      bytes = bytes.subarray(1);
      if (bytes.length === 0) return;
    }
    s.rpc.data(dir, bytes, ts);
  }

  private streamGap(dir: Direction, id: number | null, n: number, ts: number): void {
    const gapOne = (s: YamuxStream) => {
      // A lost type byte leaves the stream to sniffing (the decoder resynchronises).
      if (s.typeDir === dir) s.typeDir = null;
      s.rpc?.gap(dir, n, ts);
    };
    if (id === null) for (const s of this.streams.values()) gapOne(s);
    else {
      const s = this.streams.get(id);
      if (s) gapOne(s);
    }
  }

  private streamClose(dir: Direction, id: number, reason: YamuxCloseReason, ts: number): void {
    const s = this.streams.get(id);
    if (!s) return;
    s.ended[dir] = true;
    if (reason === 'rst' || reason === 'go-away') {
      s.rpc?.close(ts);
      this.streams.delete(id);
      return;
    }
    s.rpc?.end(dir, ts);
    if (s.ended[0] && s.ended[1]) {
      s.rpc?.close(ts);
      this.streams.delete(id);
    }
  }

  private emit(ex: MsgpackRpcExchange): void {
    // Partial bodies hold only keys the method table names, none of them a secret (tested).
    if (!ex.request.partialBody) dropNomadSecrets(ex.request.body);
    if (ex.response && !ex.response.partialBody) dropNomadSecrets(ex.response.body);
    this.onExchange(ex);
  }

  private warn(message: string, ts?: number): void {
    this.ctx.warn({ stage: 'protocols', protocol: 'nomad-rpc', conn: this.conn.id, ts: ts ?? this.lastTs, message });
  }
}
