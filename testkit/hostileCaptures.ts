/**
 * Captures an attacker could hand us, built from the packet builders: wire text with
 * terminal escapes, floods of connections, unfinished bodies, chunk storms, pipelined
 * requests, compression bombs. Builders return timed frames; `hostilePcap` writes them
 * (merged in time order with any other frames) as one Ethernet pcap (ns).
 */
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { ethernet, ipv4, tcp, tcpFlags, text } from './packetBuilder.js';
import { pcap } from './pcapWriter.js';
import { TcpConversation, type Segment } from './tcpConversation.js';

/** One Ethernet frame at an absolute time (Unix ns). */
export interface TimedFrame {
  ts: bigint;
  data: Uint8Array;
}

/** Frames of any builders (and of a real capture) → one pcap, in time order. */
export function hostilePcap(...parts: TimedFrame[][]): Uint8Array {
  const all = parts.flat().sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  return pcap(
    all.map((f) => ({ sec: Number(f.ts / 1_000_000_000n), nsec: Number(f.ts % 1_000_000_000n), data: f.data })),
    { nano: true, snaplen: 262144 },
  );
}

/** Replace every occurrence of `from` by `to` (same length: lengths on the wire stay right). */
export function replaceBytes(capture: Uint8Array, from: string, to: string): { bytes: Uint8Array; replaced: number } {
  const a = Buffer.from(from, 'latin1'),
    b = Buffer.from(to, 'latin1');
  if (a.length !== b.length) throw new Error('replaceBytes: the replacement must have the same length');
  const out = Buffer.from(capture);
  let replaced = 0;
  for (let at = out.indexOf(a); at >= 0; at = out.indexOf(a, at + a.length)) {
    b.copy(out, at);
    replaced++;
  }
  return { bytes: new Uint8Array(out.buffer, out.byteOffset, out.length), replaced };
}

/**
 * A 36-character stand-in for a uuid that attacks whatever prints it: a formula for a
 * spreadsheet, a bare CR, an OSC window title, a screen clear and an OSC 8 link.
 */
export function hostileId(): string {
  return '=1+2\r\x1b]0;pwn\x07\x1b[2J\x1b]8;;http://x\x07A\n'.padEnd(36, 'z');
}

/** Client address number `i` (10.x.y.z from 10.1.0.1 on: one per flood connection). */
function clientIp(i: number): string {
  const n = 0x0a010001 + i;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Segments of a conversation, `stepNs` apart from `startNs`. */
function timed(c: TcpConversation, segs: Segment[], startNs: bigint, stepNs = 1000n): TimedFrame[] {
  return segs.map((s, k) => ({ ts: startNs + BigInt(k) * stepNs, data: c.frame(s) }));
}

export interface FloodOptions {
  /** Server address and port the flood aims at. */
  server: [ip: string, port: number];
  /** First SYN's time, and the span the flood is spread over (Unix ns). */
  startNs: bigint;
  spanNs: bigint;
}

/** `n` SYNs from distinct clients, never answered: half-open connections. */
export function synFlood(n: number, o: FloodOptions): TimedFrame[] {
  const out: TimedFrame[] = [];
  const [ip, port] = o.server;
  for (let i = 0; i < n; i++) {
    const seg = tcp(new Uint8Array(0), { sport: 1024 + (i % 60000), dport: port, seq: i * 7919, flags: tcpFlags.SYN });
    out.push({
      ts: o.startNs + (o.spanNs * BigInt(i)) / BigInt(Math.max(1, n)),
      data: ethernet(ipv4(seg, { src: clientIp(i), dst: ip })),
    });
  }
  return out;
}

/**
 * `n` HTTP requests (one connection each) declaring a `declared`-byte body of which only
 * `sent` bytes come, in segments of `mss`: bodies that never finish.
 */
export function unfinishedBodies(
  n: number,
  declared: number,
  sent: number,
  o: FloodOptions & { mss?: number; path?: string },
): TimedFrame[] {
  const out: TimedFrame[] = [];
  const mss = o.mss ?? 1448;
  const chunk = new Uint8Array(mss).fill(0x41);
  for (let i = 0; i < n; i++) {
    const c = new TcpConversation({ client: [clientIp(i), 20000 + (i % 40000)], server: o.server });
    const segs: Segment[] = [
      ...c.handshake(),
      c.send(
        0,
        `PUT ${o.path ?? '/v1/jobs'} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
      ),
    ];
    for (let k = 0; k < sent; k += mss) segs.push(c.send(0, chunk.subarray(0, Math.min(mss, sent - k))));
    out.push(...timed(c, segs, o.startNs + (o.spanNs * BigInt(i)) / BigInt(Math.max(1, n))));
  }
  return out;
}

/** One chunked request body of `chunks` one-byte chunks (`1\r\nA\r\n` each), never ended. */
export function chunkStorm(chunks: number, o: FloodOptions & { perSegment?: number }): TimedFrame[] {
  const c = new TcpConversation({ client: [clientIp(0), 30000], server: o.server });
  const segs: Segment[] = [
    ...c.handshake(),
    c.send(0, 'PUT /v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'),
  ];
  const per = o.perSegment ?? 240;
  const piece = text('1\r\nA\r\n'.repeat(per));
  for (let k = 0; k < chunks; k += per)
    segs.push(c.send(0, k + per <= chunks ? piece : text('1\r\nA\r\n'.repeat(chunks - k))));
  return timed(c, segs, o.startNs, o.spanNs / BigInt(Math.max(1, segs.length)));
}

/** `n` pipelined requests on one connection, no response ever: the pending queue grows. */
export function pipelinedRequests(n: number, o: FloodOptions & { perSegment?: number }): TimedFrame[] {
  const c = new TcpConversation({ client: [clientIp(0), 30001], server: o.server });
  const segs: Segment[] = [...c.handshake()];
  const per = o.perSegment ?? 40;
  const piece = text('GET /v1/jobs HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(per));
  for (let k = 0; k < n; k += per) segs.push(c.send(0, piece));
  return timed(c, segs, o.startNs, o.spanNs / BigInt(Math.max(1, segs.length)));
}

/** Brotli of `expandTo` zero bytes: ~100 bytes on the wire. Quality 5: on zeros as small as 11's, many times faster. */
export function brotliBomb(expandTo: number): Uint8Array {
  return new Uint8Array(
    brotliCompressSync(Buffer.alloc(expandTo), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } }),
  );
}

/**
 * `n` Nomad API exchanges (`GET /v1/job/bomb{i}/allocations`, a route whose body is read)
 * whose responses are `Content-Encoding: br` bombs.
 */
export function compressedBodies(n: number, bomb: Uint8Array, o: FloodOptions): TimedFrame[] {
  const out: TimedFrame[] = [];
  for (let i = 0; i < n; i++) {
    const c = new TcpConversation({ client: [clientIp(i), 40000 + (i % 20000)], server: o.server });
    const segs: Segment[] = [
      ...c.handshake(),
      c.send(0, `GET /v1/job/bomb${i}/allocations HTTP/1.1\r\nHost: x\r\n\r\n`),
      c.send(
        1,
        `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: br\r\nContent-Length: ${bomb.length}\r\n\r\n`,
      ),
      c.send(1, bomb),
      c.fin(0),
      c.fin(1),
    ];
    out.push(...timed(c, segs, o.startNs + (o.spanNs * BigInt(i)) / BigInt(Math.max(1, n))));
  }
  return out;
}

/** One AMQP 0-9-1 frame: type, channel, size, payload, frame-end. */
function amqpFrame(type: number, channel: number, payload: Uint8Array): Uint8Array {
  const f = Buffer.alloc(8 + payload.length);
  f[0] = type;
  f.writeUInt16BE(channel, 1);
  f.writeUInt32BE(payload.length, 3);
  f.set(payload, 7);
  f[7 + payload.length] = 0xce;
  return f;
}

/**
 * One AMQP connection publishing on `channels` channels at once, each message declaring a
 * `declared`-byte body of which `sent` bytes come (in 32 KiB body frames): partial
 * contents on every channel.
 */
export function amqpChannels(channels: number, declared: number, sent: number, o: FloodOptions): TimedFrame[] {
  const c = new TcpConversation({ client: [clientIp(0), 41000], server: o.server });
  const segs: Segment[] = [...c.handshake(), c.send(0, Uint8Array.of(0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1))];
  const shortstr = (s: string) => Buffer.concat([Buffer.of(s.length), Buffer.from(s)]);
  const frameBody = 32 * 1024;
  const piece = new Uint8Array(frameBody).fill(0x7b);
  for (let ch = 1; ch <= channels; ch++) {
    const publish = Buffer.concat([
      Buffer.from([0, 60, 0, 40, 0, 0]),
      shortstr('nova'),
      shortstr(`compute.host${ch}`),
      Buffer.of(0),
    ]);
    const header = Buffer.alloc(14);
    header.writeUInt16BE(60, 0);
    header.writeBigUInt64BE(BigInt(declared), 4);
    segs.push(c.send(0, Buffer.concat([amqpFrame(1, ch, publish), amqpFrame(2, ch, header)])));
  }
  // Body frames round-robin over the channels, so every channel holds a partial body at once.
  for (let k = 0; k < sent; k += frameBody) {
    for (let ch = 1; ch <= channels; ch++)
      segs.push(c.send(0, amqpFrame(3, ch, piece.subarray(0, Math.min(frameBody, sent - k)))));
  }
  return timed(c, segs, o.startNs, o.spanNs / BigInt(Math.max(1, segs.length)));
}

/** A yamux data frame header: version 0, type 0 (data), flags, stream id, length. */
function yamuxData(streamId: number, flags: number, payload: Uint8Array): Uint8Array {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(flags, 2);
  h.writeUInt32BE(streamId, 4);
  h.writeUInt32BE(payload.length, 8);
  return Buffer.concat([h, payload]);
}

/**
 * One Nomad RPC connection (connection type 0x03: yamux) with `streams` streams, each an
 * RPC request whose body is a msgpack string declaring `declared` bytes of which `sent`
 * come (in 32 KiB frames): partial messages on every stream at once.
 */
export function yamuxStreams(streams: number, declared: number, sent: number, o: FloodOptions): TimedFrame[] {
  const c = new TcpConversation({ client: [clientIp(0), 42000], server: o.server });
  const segs: Segment[] = [...c.handshake(), c.send(0, Uint8Array.of(0x03))];
  const frame = 32 * 1024;
  const piece = new Uint8Array(frame).fill(0x61);
  for (let s = 1; s <= streams; s++) {
    const id = 2 * s - 1;
    // {"ServiceMethod": "Node.GetClientAllocs", "Seq": s} then a str32 header of `declared` bytes.
    const method = Buffer.from('Node.GetClientAllocs');
    const head = Buffer.concat([
      Buffer.of(0x82, 0xad),
      Buffer.from('ServiceMethod'),
      Buffer.of(0xa0 | method.length),
      method,
      Buffer.of(0xa3),
      Buffer.from('Seq'),
      Buffer.of(0xce, s >>> 24, (s >>> 16) & 255, (s >>> 8) & 255, s & 255),
      Buffer.of(0xdb, declared >>> 24, (declared >>> 16) & 255, (declared >>> 8) & 255, declared & 255),
    ]);
    segs.push(c.send(0, yamuxData(id, 1, head)));
  }
  for (let k = 0; k < sent; k += frame) {
    for (let s = 1; s <= streams; s++)
      segs.push(c.send(0, yamuxData(2 * s - 1, 0, piece.subarray(0, Math.min(frame, sent - k)))));
  }
  return timed(c, segs, o.startNs, o.spanNs / BigInt(Math.max(1, segs.length)));
}

/**
 * `n` connections whose client sends `held` bytes (in segments of `mss`) after a one-byte
 * hole that never fills and that the server never acknowledges: out-of-order data the
 * reassembler holds on every connection at once. With `filled`, the hole's byte comes first
 * (the same bytes in order: nothing is held), for comparison.
 */
export function outOfOrderHolds(
  n: number,
  held: number,
  o: FloodOptions & { mss?: number; filled?: boolean },
): TimedFrame[] {
  const out: TimedFrame[] = [];
  const mss = o.mss ?? 1448;
  const chunk = new Uint8Array(mss).fill(0x42);
  for (let i = 0; i < n; i++) {
    const c = new TcpConversation({ client: [clientIp(i), 20000 + (i % 40000)], server: o.server });
    const segs: Segment[] = [...c.handshake()];
    if (o.filled) segs.push(c.at(0, 0, chunk.subarray(0, 1)));
    for (let k = 0; k < held; k += mss) segs.push(c.at(0, 1 + k, chunk.subarray(0, Math.min(mss, held - k))));
    out.push(...timed(c, segs, o.startNs + (o.spanNs * BigInt(i)) / BigInt(Math.max(1, n))));
  }
  return out;
}

/** msgpack fixstr (up to 31 bytes). */
function fixstr(s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.of(0xa0 | b.length), b]);
}

/** `depth` containers each holding the next (fixarray of one, or fixmap of one `k` key), around a 1. */
function nested(depth: number, kind: 'array' | 'map'): Buffer {
  const one = kind === 'array' ? Buffer.of(0x91) : Buffer.concat([Buffer.of(0x81), fixstr('k')]);
  const out = Buffer.alloc(depth * one.length + 1);
  for (let i = 0; i < depth; i++) one.copy(out, i * one.length);
  out[depth * one.length] = 0x01;
  return out;
}

/**
 * One Nomad RPC connection (connection type 0x01: plain msgpack RPC) with `n` calls of
 * `Job.Register`, each answered by a reply whose `Index` (a field the readers select) is
 * `depth` nested arrays or maps instead of an integer.
 */
export function nestedMsgpackReplies(n: number, depth: number, kind: 'array' | 'map', o: FloodOptions): TimedFrame[] {
  const c = new TcpConversation({ client: [clientIp(0), 43000], server: o.server });
  const segs: Segment[] = [...c.handshake(), c.send(0, Uint8Array.of(0x01))];
  const index = nested(depth, kind);
  const seq = (i: number) => Buffer.of(0xce, i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255);
  for (let i = 1; i <= n; i++) {
    segs.push(
      c.send(
        0,
        Buffer.concat([
          Buffer.of(0x82),
          fixstr('ServiceMethod'),
          fixstr('Job.Register'),
          fixstr('Seq'),
          seq(i),
          Buffer.of(0x81),
          fixstr('Job'),
          Buffer.of(0x81),
          fixstr('ID'),
          fixstr(`nested${i}`),
        ]),
      ),
    );
    const reply = Buffer.concat([
      Buffer.of(0x83),
      fixstr('ServiceMethod'),
      fixstr('Job.Register'),
      fixstr('Seq'),
      seq(i),
      fixstr('Error'),
      fixstr(''),
      Buffer.of(0x82),
      fixstr('Index'),
      index,
      fixstr('EvalID'),
      fixstr(`eval${i}`),
    ]);
    for (let at = 0; at < reply.length; at += 65_000) segs.push(c.send(1, reply.subarray(at, at + 65_000)));
  }
  return timed(c, segs, o.startNs, o.spanNs / BigInt(Math.max(1, segs.length)));
}
