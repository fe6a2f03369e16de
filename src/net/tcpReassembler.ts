/**
 * TCP connection tracking and stream reassembly. The contract is in ./types.ts: per
 * connection and direction, bytes in sequence order exactly once, explicit gaps, one end.
 *
 * Segments ahead of the next expected byte are copied and held (bounded). They are
 * released when the hole fills, or as a gap when the peer acknowledges bytes the capture
 * never showed (the receiver got them: the capture lost them), when a buffer limit is hit,
 * at FIN/RST, on idle, or at the end of input.
 */
import { addressKey, addressText, destinationAddress, sourceAddress, type IpView } from './ipPacket.js';
import { withDefaults } from './withDefaults.js';
import type { BudgetHolder, ByteBudget } from '../bytes/byteBudget.js';

/**
 * One end of a connection as a map key: for IPv4 the number address·65536 + port (48 bits,
 * exact in a double, no string built per packet); for IPv6 a short string.
 */
type EndKey = number | string;

function endKey(b: Uint8Array, o: number, v4: boolean, port: number): EndKey {
  return v4
    ? (((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0) * 65536 + port
    : addressKey(b, o, 16) + String.fromCharCode(port);
}
import {
  defaultReassemblyLimits,
  type ConnectionInfo,
  type ConnectionStats,
  type Direction,
  type EndReason,
  type NetCounters,
  type ReassemblyLimits,
  type StreamHandler,
  type StreamHandlerFactory,
} from './types.js';

const FIN = 0x01,
  SYN = 0x02,
  RST = 0x04,
  ACK = 0x10;

/** Ports that identify the server side when the handshake was not captured. */
export const wellKnownServerPorts: ReadonlySet<number> = new Set([
  80, 443, 4646, 4647, 4648, 5000, 5672, 8080, 8774, 8775, 8776, 8778, 9292, 9696, 35357, 6080, 9876, 15672,
]);

interface Segment {
  seq: number;
  data: Uint8Array;
  ts: number;
}

/**
 * The counters a connection starts with, shared until its first write: most connections of
 * a flood never write them (frozen, so a write that skipped `own` fails loudly).
 */
const zeroPair = Object.freeze([0, 0]) as unknown as [number, number];
const noHead = Object.freeze([null, null]) as unknown as [Uint8Array | null, Uint8Array | null];
type PairKey = 'bytes' | 'gaps' | 'gapBytes' | 'retransmissions' | 'outOfOrder';

/** `st[key]`, made the connection's own before it is written. */
function own(st: ConnectionStats, key: PairKey): [number, number] {
  let p = st[key];
  if (p === zeroPair) st[key] = p = [0, 0];
  return p;
}

/** Address texts of recent connections: a server's address is one string, not one per connection. */
const maxAddressTexts = 4096;

/** Signed distance a − b in sequence space (handles wrap-around). */
const seqDiff = (a: number, b: number): number => (a - b) | 0;

/** Segments of one direction held ahead of the next expected byte: the session's budget counts them. */
class HeldSegments implements BudgetHolder {
  held = 0;
  readonly owner = 'tcp';
  segs: Segment[] = [];
  /** Payload bytes in `segs`. */
  bytes = 0;
  constructor(private readonly onEvict: (x: HeldSegments) => void) {}
  evict(): void {
    this.onEvict(this);
  }
}

class HalfStream {
  nextSeq = -1;
  isn = -1;
  finSeq = -1;
  ended = false;
  /** Made at the first segment held out of order (most directions never hold one). */
  out: HeldSegments | null = null;
  constructor(public dir: Direction) {}
}

/** Whether `h` holds segments out of order. */
const holds = (h: HalfStream): boolean => h.out !== null && h.out.segs.length > 0;

/** Who sent a payload, when its bytes say (a request line, a response line, a protocol header). */
export type SenderRole = (payload: Uint8Array) => 'client' | 'server' | null;

/** A connection ended for idleness resumes (same id, same row) when its sequence numbers continue within this. */
const resumeWindow = 1 << 28;

class Connection {
  half: [HalfStream, HalfStream] = [new HalfStream(0), new HalfStream(1)];
  closed = false;
  /** Opened mid-stream and no payload seen yet: the first payload may still show who is client. */
  rolesOpen = false;
  /** Stats already listed among the closed ones (a connection resumed after an idle end). */
  listed = false;
  /** No payload byte yet (in the quiet set). */
  quiet = true;
  /** The handler is still to be made (by the factory, at the first payload, gap or end). */
  handlerPending = false;
  /** When it last moved to the recent end of the connection order (ns). */
  touched: number;
  /** Ended for idleness at this time (ns) with its handler not yet ended: it may resume. */
  parkedTs = -1;
  constructor(
    readonly lo: EndKey,
    readonly hi: EndKey,
    public clientSide: EndKey,
    readonly info: ConnectionInfo,
    readonly stats: ConnectionStats,
    public handler: StreamHandler | null,
  ) {
    this.touched = info.startTs;
  }
}

/** A connection moves to the recent end of the order at most this often (ns): cheap LRU. */
const touchEveryNs = 1e9;
/** A closed connection stays in the table this long (ns) for its late segments. */
const closedLingerNs = 5e9;
/** Statistics of closed connections that never carried a payload are kept up to this many (for `info`). */
const maxQuietStatsKept = 10_000;
/** Closed connections remembered after they leave the table, for their late retransmissions (most recent). */
const maxClosedRemembered = 10_000;

export interface TcpReassemblerOptions {
  limits?: Partial<ReassemblyLimits>;
  /** Keep per-connection statistics after close (for `info`); live sessions turn it off. */
  keepClosedStats?: boolean;
  /** `limit` names the bound when a limit caused the warning. */
  onWarning?: (message: string, ts: number, limit?: string) => void;
  /** Decides the roles of a connection whose handshake was not captured from its first payload, before ports do. */
  senderRole?: SenderRole;
  /**
   * The session's byte budget, shared with the parsers: held out-of-order segments take from
   * it, and are dropped (their bytes become a gap) when a larger, older holder is not there to give way.
   */
  budget?: ByteBudget;
}

export class TcpReassembler {
  readonly counters: NetCounters;
  readonly limits: ReassemblyLimits;
  /** Open connections, least recently used first (to within touchEveryNs). */
  private conns = new Set<Connection>();
  /** Open connections that have carried no payload yet, oldest first. */
  private quiet = new Set<Connection>();
  private quietStatsKept = 0;
  /** Connections closed (FIN both ways or RST) but still in the table, in closing order. */
  private closing: { conn: Connection; ts: number }[] = [];
  private closingHead = 0;
  /** Lookup: lower end key → higher end key → connection. */
  private index = new Map<EndKey, Connection | Map<EndKey, Connection>>();
  private closedStats: ConnectionStats[] = [];
  /**
   * Connections ended for idleness, by end keys, oldest first (bounded): a later segment
   * that continues one resumes it. Their handlers are not ended until it is clear they will
   * not resume (evicted, the 4-tuple reused, the end of input): a message across the quiet
   * time stays one message.
   */
  private idleEnded = new Map<string, Connection>();
  /**
   * Connections closed (FIN or RST) that have left the table, most recent last (bounded): a
   * segment on the 4-tuple that brings nothing new (a FIN or data retransmitted long after)
   * is counted in it, as tshark keeps it in that stream, instead of opening another.
   */
  private closedGone = new Map<string, Connection>();
  /** The connection of the previous segment (always one still in the index, or null). */
  private lastConn: Connection | null = null;
  private nextId = 0;
  private totalPending = 0;
  private lastSweep = 0;
  private readonly keepClosed: boolean;
  private readonly addressTexts = new Map<number, string>();
  private readonly budget: ByteBudget | undefined;
  /**
   * The budget took a direction's held segments back: they are forgotten, as if never captured (an ACK or the end
   * reports the gap).
   */
  private readonly evicted = (x: HeldSegments): void => {
    this.totalPending -= x.bytes;
    x.segs = [];
    x.bytes = 0;
  };

  constructor(
    private readonly factory: StreamHandlerFactory,
    counters: NetCounters,
    private readonly options: TcpReassemblerOptions = {},
  ) {
    this.counters = counters;
    this.limits = withDefaults(defaultReassemblyLimits, options.limits);
    this.keepClosed = options.keepClosedStats ?? true;
    this.budget = options.budget;
  }

  /** One TCP segment inside an IP packet. */
  segment(ip: IpView, ts: number): void {
    const t = ip.buf;
    const p = ip.payloadOff;
    const tcpLength = ip.payloadEnd - p;
    const c = this.counters;
    if (tcpLength < 20) {
      c.undecodable++;
      return;
    }
    const off = (t[p + 12] >> 4) * 4;
    if (off < 20 || off > tcpLength) {
      c.undecodable++;
      return;
    }
    c.tcpSegments++;
    const sport = (t[p] << 8) | t[p + 1];
    const dport = (t[p + 2] << 8) | t[p + 3];
    const seq = ((t[p + 4] << 24) | (t[p + 5] << 16) | (t[p + 6] << 8) | t[p + 7]) >>> 0;
    const ack = ((t[p + 8] << 24) | (t[p + 9] << 16) | (t[p + 10] << 8) | t[p + 11]) >>> 0;
    const flags = t[p + 13];
    const payloadLength = tcpLength - off;

    const v4 = ip.version === 4;
    const a = endKey(t, ip.srcOff, v4, sport);
    const b = endKey(t, ip.dstOff, v4, dport);
    const lo = a < b ? a : b,
      hi = a < b ? b : a;
    // Segments come in runs on one connection: try the last one before the two map lookups.
    const last = this.lastConn;
    let conn = last !== null && last.lo === lo && last.hi === hi ? last : this.lookup(lo, hi);
    if (conn && ts - conn.stats.lastTs > this.limits.idleTimeoutNs) {
      // Idle past the limit: ended here, as the periodic sweep would have done.
      this.finish(conn, 'idle', ts);
      conn = undefined;
    }
    const synOnly = (flags & (SYN | ACK)) === SYN;
    if (conn && synOnly) {
      const h = conn.half[conn.clientSide === a ? 0 : 1];
      // A SYN with a new ISN, from the other side, where a mid-stream connection's bytes do
      // not follow it, or on a closed connection that never saw a SYN: the 4-tuple was
      // reused. The same ISN again (a retransmitted SYN, also after an RST) is the same
      // connection, as tshark counts it.
      const isnChanged = h.isn >= 0 ? h.isn !== seq : h.nextSeq >= 0 && h.nextSeq !== (seq + 1) >>> 0;
      if (isnChanged || conn.clientSide !== a || (conn.closed && h.isn < 0)) {
        this.finish(conn, 'eof', ts);
        conn = undefined;
      } else if (conn.closed) conn = this.reopen(conn, ts);
    }
    if (!conn && this.idleEnded.size > 0) conn = synOnly ? this.unpark(`${lo}|${hi}`) : this.resume(lo, hi, a, seq, ts);
    if (!conn && this.closedGone.size > 0) {
      const key = `${lo}|${hi}`;
      if (synOnly) conn = this.retriedSyn(key, a, seq, ts);
      else if (this.lateSegment(key, a, seq, flags, payloadLength, ts)) return;
    }
    if (!conn) {
      const opened = this.open(lo, hi, a, b, ip, sport, dport, flags, ts);
      if (!opened) return;
      conn = opened;
    }
    this.lastConn = conn;
    if (conn.rolesOpen && payloadLength > 0) {
      conn.rolesOpen = false;
      const role = this.options.senderRole?.(t.subarray(p + off, ip.payloadEnd));
      if (role !== null && role !== undefined && (role === 'client') !== (conn.clientSide === a)) this.swapRoles(conn);
    }
    const dir: Direction = conn.clientSide === a ? 0 : 1;
    const st = conn.stats;
    st.packets[dir]++;
    st.lastTs = ts;
    if (ts - conn.touched > touchEveryNs) {
      conn.touched = ts;
      this.conns.delete(conn);
      this.conns.add(conn);
    }
    if (payloadLength > 0 && conn.quiet) {
      conn.quiet = false;
      this.quiet.delete(conn);
    }
    if (ts - this.lastSweep > 1e9) this.sweep(ts);
    if (conn.closed) return;

    if (flags & RST) {
      // Ended, but kept (closed) so that segments still in flight stay in this connection.
      this.flushAll(conn, ts);
      for (const x of conn.half) this.endHalf(conn, x, ts, x.finSeq >= 0 && x.nextSeq === x.finSeq ? 'fin' : 'rst');
      st.closed = 'rst';
      this.close(conn, ts);
      return;
    }
    const h = conn.half[dir];
    let dataSeq = seq;
    if (flags & SYN) {
      if (h.isn < 0) {
        h.isn = seq;
        if (h.nextSeq < 0) h.nextSeq = (seq + 1) >>> 0;
      }
      dataSeq = (seq + 1) >>> 0;
    }
    if (payloadLength > 0 && !h.ended) this.data(conn, h, dataSeq, t, p + off, ip.payloadEnd, ts);
    if (flags & FIN && h.finSeq < 0) {
      h.finSeq = (dataSeq + payloadLength) >>> 0;
      // A direction seen only from its FIN on (capture started mid-stream) ends right there.
      if (h.nextSeq < 0 && payloadLength === 0) h.nextSeq = h.finSeq;
    }
    if (flags & ACK) {
      const o = conn.half[dir ^ 1];
      if (holds(o) && o.nextSeq >= 0 && seqDiff(ack, o.nextSeq) > 0) this.releaseHole(conn, o, ts, ack);
    }
    // Either direction may have reached its FIN: this one by its data, the other by a released hole.
    for (const x of conn.half)
      if (x.finSeq >= 0 && !x.ended && x.nextSeq === x.finSeq) this.endHalf(conn, x, ts, 'fin');
    if (conn.half[0].ended && conn.half[1].ended) this.close(conn, ts);
  }

  /**
   * Lookup: lower end → the connection, or a map of higher end → connection when that end
   * has several (a server below its clients' addresses). One connection is kept without a
   * map of its own: a flood from distinct clients costs no map per connection.
   */
  private lookup(lo: EndKey, hi: EndKey): Connection | undefined {
    const x = this.index.get(lo);
    return x instanceof Connection ? (x.hi === hi ? x : undefined) : x?.get(hi);
  }

  private indexAdd(conn: Connection): void {
    const x = this.index.get(conn.lo);
    if (x === undefined || (x instanceof Connection && x.hi === conn.hi)) this.index.set(conn.lo, conn);
    else if (x instanceof Connection)
      this.index.set(
        conn.lo,
        new Map([
          [x.hi, x],
          [conn.hi, conn],
        ]),
      );
    else x.set(conn.hi, conn);
  }

  private indexRemove(conn: Connection): void {
    const x = this.index.get(conn.lo);
    if (x === conn) this.index.delete(conn.lo);
    else if (x instanceof Map && x.get(conn.hi) === conn) {
      x.delete(conn.hi);
      if (x.size === 0) this.index.delete(conn.lo);
    }
  }

  /** The text of the IPv4 or IPv6 address at `off`, the same string for the same IPv4 address while it is recent. */
  private addressTextAt(ip: IpView, off: number, address: (ip: IpView) => Uint8Array): string {
    if (ip.version !== 4) return addressText(address(ip));
    const b = ip.buf;
    const key = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
    let text = this.addressTexts.get(key);
    if (text === undefined) {
      if (this.addressTexts.size >= maxAddressTexts) this.addressTexts.clear();
      this.addressTexts.set(key, (text = addressText(address(ip))));
    }
    return text;
  }

  /** The roles guessed from ports were wrong (the first payload says so): swap them; nothing was delivered yet. */
  private swapRoles(conn: Connection): void {
    if (conn.half[0].ended || conn.half[1].ended) return;
    const st = conn.stats,
      info = conn.info;
    conn.clientSide = conn.clientSide === conn.lo ? conn.hi : conn.lo;
    conn.half = [conn.half[1], conn.half[0]];
    conn.half[0].dir = 0;
    conn.half[1].dir = 1;
    [info.client, info.server] = [info.server, info.client];
    st.packets.reverse();
    if (st.retransmissions !== zeroPair) st.retransmissions.reverse();
    if (st.outOfOrder !== zeroPair) st.outOfOrder.reverse();
  }

  /**
   * The client tried again with the same SYN after a reset (a port not yet listening): the
   * same connection, open again, as tshark keeps one stream, and what it carries is read.
   * Its handler had ended at the reset: a fresh one starts at its first payload.
   */
  private reopen(old: Connection, ts: number): Connection {
    this.conns.delete(old);
    this.quiet.delete(old);
    if (this.lastConn === old) this.lastConn = null;
    this.indexRemove(old);
    const conn = this.revive(old, null, ts);
    conn.handlerPending = true;
    return conn;
  }

  /** A connection that had left the table, back in it as `old`'s successor: same id, info and stats. */
  private revive(old: Connection, handler: StreamHandler | null, ts: number): Connection {
    const conn = new Connection(old.lo, old.hi, old.clientSide, old.info, old.stats, handler);
    conn.listed = old.listed;
    conn.quiet = old.quiet;
    conn.touched = ts;
    if (conn.quiet) this.quiet.add(conn);
    old.stats.closed = null;
    this.conns.add(conn);
    this.indexAdd(conn);
    return conn;
  }

  /**
   * A segment on the 4-tuple of a connection ended for idleness, whose sequence numbers continue it: the same
   * connection again.
   */
  private resume(lo: EndKey, hi: EndKey, a: EndKey, seq: number, ts: number): Connection | undefined {
    const key = `${lo}|${hi}`;
    const old = this.idleEnded.get(key);
    if (!old) return undefined;
    const h = old.half[old.clientSide === a ? 0 : 1];
    if (
      h.nextSeq < 0 ||
      Math.abs(seqDiff(seq, h.nextSeq)) > resumeWindow ||
      this.conns.size >= this.limits.maxConnections
    )
      return this.unpark(key);
    this.idleEnded.delete(key);
    // The same handler goes on: each direction continues from where it stopped.
    const conn = this.revive(old, old.handler, ts);
    conn.handlerPending = old.handlerPending;
    for (const d of [0, 1] as const) {
      const n = conn.half[d],
        o = old.half[d];
      n.isn = o.isn;
      n.nextSeq = o.nextSeq;
      n.finSeq = o.finSeq;
      n.ended = o.ended;
    }
    return conn;
  }

  private open(
    lo: EndKey,
    hi: EndKey,
    a: EndKey,
    b: EndKey,
    ip: IpView,
    sport: number,
    dport: number,
    flags: number,
    ts: number,
  ): Connection | null {
    const c = this.counters;
    // A flood of connections that carry nothing costs only such connections: the oldest
    // quiet one ends first; past the overall bound, the least recently used one. Never a
    // scan of the table per packet, never a refusal.
    if (this.quiet.size >= this.limits.maxQuietConnections) {
      c.quietConnectionsEnded++;
      this.finish(this.quiet.values().next().value!, 'idle', ts);
    }
    if (this.conns.size >= this.limits.maxConnections) {
      const victim = this.quiet.size > 0 ? this.quiet.values().next().value! : this.conns.values().next().value!;
      if (victim.quiet) c.quietConnectionsEnded++;
      c.connectionLimitHits++;
      if (c.connectionLimitHits === 1)
        this.options.onWarning?.(
          `open-connection limit (${this.limits.maxConnections}) reached; the least recently used ` +
            `connections are ended early`,
          ts,
          'maxConnections',
        );
      this.finish(victim, 'idle', ts);
    }
    const srcIp = this.addressTextAt(ip, ip.srcOff, sourceAddress);
    const dstIp = this.addressTextAt(ip, ip.dstOff, destinationAddress);
    let srcIsClient: boolean;
    const sawSyn = (flags & SYN) !== 0;
    if (sawSyn) srcIsClient = (flags & ACK) === 0;
    else {
      const sk = wellKnownServerPorts.has(sport),
        dk = wellKnownServerPorts.has(dport);
      srcIsClient = sk !== dk ? dk : sport > dport;
    }
    const client = srcIsClient ? { ip: srcIp, port: sport } : { ip: dstIp, port: dport };
    const server = srcIsClient ? { ip: dstIp, port: dport } : { ip: srcIp, port: sport };
    const info: ConnectionInfo = { id: this.nextId++, client, server, sawSyn, startTs: ts };
    const stats: ConnectionStats = {
      info,
      packets: [0, 0],
      bytes: zeroPair,
      gaps: zeroPair,
      gapBytes: zeroPair,
      retransmissions: zeroPair,
      outOfOrder: zeroPair,
      lastTs: ts,
      head: noHead,
      closed: null,
    };
    // The handler is made at the first payload, gap or end: a connection of a flood holds no
    // parser objects while it waits.
    const conn = new Connection(lo, hi, srcIsClient ? a : b, info, stats, null);
    conn.handlerPending = true;
    conn.rolesOpen = !sawSyn;
    this.conns.add(conn);
    this.quiet.add(conn);
    this.indexAdd(conn);
    c.connections++;
    return conn;
  }

  /** The payload b[s, e) of a segment starting at `seq`. */
  private data(conn: Connection, h: HalfStream, seq: number, b: Uint8Array, s: number, e: number, ts: number): void {
    const st = conn.stats;
    if (h.nextSeq < 0) {
      // No handshake seen: the capture starts inside this stream.
      h.nextSeq = seq;
      this.gap(conn, h, -1, ts);
    }
    const d = seqDiff(seq, h.nextSeq);
    if (d === 0) {
      this.deliver(conn, h, b, s, e, ts);
      if (holds(h)) this.drain(conn, h);
      return;
    }
    if (d < 0) {
      own(st, 'retransmissions')[h.dir]++;
      this.counters.retransmissions++;
      if (d + (e - s) <= 0) return;
      this.deliver(conn, h, b, s - d, e, ts);
      if (holds(h)) this.drain(conn, h);
      return;
    }
    // Ahead of the next expected byte: hold a copy.
    own(st, 'outOfOrder')[h.dir]++;
    this.counters.outOfOrder++;
    const seg = { seq, data: b.slice(s, e), ts };
    const out = (h.out ??= new HeldSegments(this.evicted));
    const segs = out.segs;
    let i = segs.length;
    while (i > 0 && seqDiff(segs[i - 1].seq, seq) > 0) i--;
    segs.splice(i, 0, seg);
    out.bytes += e - s;
    this.totalPending += e - s;
    const granted = this.budget === undefined || this.budget.resize(out, out.bytes);
    if (
      !granted ||
      out.bytes > this.limits.maxBufferedBytesPerDirection ||
      this.totalPending > this.limits.maxBufferedBytesTotal
    ) {
      this.counters.bufferLimitHits++;
      this.options.onWarning?.(
        `out-of-order buffer limit hit on connection ${conn.info.id}; the missing bytes are reported as a gap`,
        ts,
        'maxBufferedBytes',
      );
      // Refused by the budget (this direction alone would exceed it): hold nothing, every hole becomes a gap.
      if (granted) this.releaseHole(conn, h, ts);
      else while (holds(h)) this.releaseHole(conn, h, ts);
    }
  }

  /** Bytes b[s, e) are next in sequence: count them and hand them on (a view is made only for a handler). */
  private deliver(conn: Connection, h: HalfStream, b: Uint8Array, s: number, e: number, ts: number): void {
    const st = conn.stats;
    const n = e - s;
    if (st.head[h.dir] === null) {
      if (st.head === noHead) st.head = [null, null];
      st.head[h.dir] = b.slice(s, Math.min(e, s + 16));
    }
    own(st, 'bytes')[h.dir] += n;
    this.counters.payloadBytes += n;
    h.nextSeq = (h.nextSeq + n) >>> 0;
    const handler = conn.handlerPending ? this.makeHandler(conn) : conn.handler;
    if (handler) handler.data(h.dir, s === 0 && e === b.length ? b : b.subarray(s, e), ts);
  }

  /** Deliver held segments that are now in sequence. */
  private drain(conn: Connection, h: HalfStream): void {
    const out = h.out;
    if (out === null) return;
    // `out.segs` is read afresh each time: a delivery may let the budget take them back.
    while (out.segs.length) {
      const s = out.segs[0];
      const d = seqDiff(s.seq, h.nextSeq);
      if (d > 0) break;
      out.segs.shift();
      out.bytes -= s.data.length;
      this.totalPending -= s.data.length;
      if (d + s.data.length > 0) this.deliver(conn, h, s.data, d < 0 ? -d : 0, s.data.length, s.ts);
    }
    // Only ever shrinks: a holder the budget refused holds nothing while its segments are flushed.
    if (out.bytes < out.held) this.budget?.resize(out, out.bytes);
  }

  /**
   * Skip the hole before the first held segment (reported as a gap) and deliver on. With
   * `acked`, only the bytes the peer acknowledged are known lost: the rest of the hole
   * may still arrive (reordered or retransmitted) and is waited for.
   */
  private releaseHole(conn: Connection, h: HalfStream, ts: number, acked?: number): void {
    if (!holds(h)) return;
    const missing = seqDiff(h.out!.segs[0].seq, h.nextSeq);
    if (missing > 0) {
      const lost = acked === undefined ? missing : Math.min(missing, seqDiff(acked, h.nextSeq));
      this.gap(conn, h, lost, ts);
      h.nextSeq = (h.nextSeq + lost) >>> 0;
    }
    this.drain(conn, h);
  }

  private makeHandler(conn: Connection): StreamHandler | null {
    conn.handlerPending = false;
    conn.handler = this.factory(conn.info);
    return conn.handler;
  }

  private gap(conn: Connection, h: HalfStream, bytes: number, ts: number): void {
    const st = conn.stats;
    if (bytes > 0) {
      own(st, 'gaps')[h.dir]++;
      own(st, 'gapBytes')[h.dir] += bytes;
      this.counters.gaps++;
      this.counters.gapBytes += bytes;
    }
    (conn.handlerPending ? this.makeHandler(conn) : conn.handler)?.gap(h.dir, bytes, ts);
  }

  private flushAll(conn: Connection, ts: number): void {
    for (const h of conn.half) {
      while (holds(h)) this.releaseHole(conn, h, ts);
      if (h.finSeq >= 0 && h.nextSeq >= 0 && seqDiff(h.finSeq, h.nextSeq) > 0) {
        this.gap(conn, h, seqDiff(h.finSeq, h.nextSeq), ts);
        h.nextSeq = h.finSeq;
      }
    }
  }

  private endHalf(conn: Connection, h: HalfStream, ts: number, reason: EndReason): void {
    if (h.ended) return;
    h.ended = true;
    (conn.handlerPending ? this.makeHandler(conn) : conn.handler)?.end(h.dir, ts, reason);
  }

  private finish(conn: Connection, reason: EndReason, ts: number): void {
    const wasOpen = !conn.closed;
    // A connection that never carried a byte has nothing to resume (and floods are made of them).
    const parks = reason === 'idle' && wasOpen && !conn.quiet;
    this.flushAll(conn, ts);
    if (parks) conn.parkedTs = ts;
    else for (const h of conn.half) this.endHalf(conn, h, ts, h.finSeq >= 0 && h.nextSeq === h.finSeq ? 'fin' : reason);
    if (!conn.stats.closed) conn.stats.closed = reason;
    this.close(conn);
    this.conns.delete(conn);
    this.quiet.delete(conn);
    if (this.lastConn === conn) this.lastConn = null;
    this.indexRemove(conn);
    if (this.keepClosed && !conn.listed && (!conn.quiet || this.quietStatsKept++ < maxQuietStatsKept))
      this.closedStats.push(conn.stats);
    conn.listed = true;
    if (parks) this.rememberIdle(conn);
    // Closed, or ended unanswered (quiet): a late segment or a SYN retried with the same ISN still belongs to it.
    else if (!wasOpen || conn.quiet) this.rememberClosed(conn);
  }

  private rememberIdle(conn: Connection): void {
    const key = `${conn.lo}|${conn.hi}`;
    this.unpark(key);
    this.idleEnded.set(key, conn);
    if (this.idleEnded.size > this.limits.maxConnections) this.unpark(this.idleEnded.keys().next().value!);
  }

  /** A segment of a closed connection gone from the table that brings nothing new: counted there (true). */
  private lateSegment(key: string, a: EndKey, seq: number, flags: number, payloadLength: number, ts: number): boolean {
    const old = this.closedGone.get(key);
    if (!old) return false;
    const dir: Direction = old.clientSide === a ? 0 : 1;
    const h = old.half[dir];
    const end = (seq + payloadLength + (flags & FIN ? 1 : 0)) >>> 0;
    const limit = h.finSeq >= 0 ? (h.finSeq + 1) >>> 0 : h.nextSeq;
    if (h.nextSeq < 0 || seqDiff(end, limit) > 0 || seqDiff(seq, h.nextSeq) < -resumeWindow) return false;
    // Counted as a segment of the closed connection still in the table is: a packet, nothing delivered.
    old.stats.packets[dir]++;
    old.stats.lastTs = ts;
    return true;
  }

  /**
   * A SYN with the ISN of a connection that left the table (an unanswered SYN retried after
   * the quiet limit, a connection attempt retried long after a reset): the same connection
   * again, as tshark keeps one stream.
   */
  private retriedSyn(key: string, a: EndKey, seq: number, ts: number): Connection | undefined {
    const old = this.closedGone.get(key);
    if (!old || old.clientSide !== a || old.half[0].isn !== seq) return undefined;
    this.closedGone.delete(key);
    return this.reopen(old, ts);
  }

  private rememberClosed(conn: Connection): void {
    const key = `${conn.lo}|${conn.hi}`;
    this.closedGone.delete(key);
    this.closedGone.set(key, conn);
    if (this.closedGone.size > maxClosedRemembered) this.closedGone.delete(this.closedGone.keys().next().value!);
  }

  /** The connection parked under `key` will not resume: its handler ends, as of its idle end. */
  private unpark(key: string): undefined {
    const conn = this.idleEnded.get(key);
    if (!conn) return undefined;
    this.idleEnded.delete(key);
    for (const h of conn.half) this.endHalf(conn, h, conn.parkedTs, 'idle');
    return undefined;
  }

  private close(conn: Connection, ts?: number): void {
    if (conn.closed) return;
    conn.closed = true;
    if (ts !== undefined) this.closing.push({ conn, ts });
    for (const h of conn.half) {
      const out = h.out;
      if (out === null) continue;
      this.totalPending -= out.bytes;
      this.budget?.release(out);
      h.out = null;
    }
    if (!conn.stats.closed) conn.stats.closed = conn.half[0].ended && conn.half[1].ended ? 'fin' : 'rst';
  }

  /**
   * End connections idle longer than their limit. Both sets are in time order, so the walk
   * stops at the first connection too recent to be idle: a sweep costs what it ends.
   */
  private sweep(now: number): void {
    this.lastSweep = now;
    const quietLimit = this.limits.quietIdleTimeoutNs;
    for (const conn of this.quiet) {
      if (now - conn.info.startTs <= quietLimit) break;
      // Only one side ever sent (a SYN no one answered): short timeout. An answered
      // connection may idle in a client's pool before its first request.
      const halfOpen = conn.stats.packets[0] === 0 || conn.stats.packets[1] === 0;
      if (halfOpen && now - conn.stats.lastTs > quietLimit) {
        this.counters.quietConnectionsEnded++;
        this.finish(conn, 'idle', now);
      }
    }
    // Closed connections stay a moment for segments still in flight, not the idle timeout.
    while (this.closingHead < this.closing.length && now - this.closing[this.closingHead].ts > closedLingerNs) {
      const { conn } = this.closing[this.closingHead++];
      if (this.conns.has(conn)) this.finish(conn, 'eof', now);
    }
    if (this.closingHead > 1024 && this.closingHead * 2 > this.closing.length) {
      this.closing = this.closing.slice(this.closingHead);
      this.closingHead = 0;
    }
    const limit = this.limits.idleTimeoutNs;
    for (const conn of this.conns) {
      if (now - conn.touched <= limit) break;
      if (now - conn.stats.lastTs > limit) this.finish(conn, 'idle', now);
    }
  }

  /** End of input: flush and end everything. */
  end(ts: number): void {
    for (const conn of [...this.conns.values()]) this.finish(conn, 'eof', ts);
    for (const key of [...this.idleEnded.keys()]) this.unpark(key);
  }

  /** Statistics of every connection seen, in order of first packet. */
  connections(): ConnectionStats[] {
    // A connection resumed after an idle end is already listed among the closed ones.
    const all = [...this.closedStats, ...[...this.conns.values()].filter((c) => !c.listed).map((c) => c.stats)];
    return all.sort((x, y) => x.info.id - y.info.id);
  }
}
