/**
 * TCP reassembly specs: the segments as they appear in the capture (frame i at i ms),
 * then the exact StreamHandler events: [connection, kind, direction, bytes | gap | reason, ts].
 */
import { describe, expect, it } from 'vitest';
import { pcap } from '../helpers/pcapWriter.js';
import { TcpConversation, type Segment } from '../helpers/tcpConversation.js';
import { epochSec, ms, pcapOf, streamEvents } from '../helpers/netEvents.js';
import type { ReassembleOptions } from '../../src/net/reassembleTcp.js';
import { senderRole } from '../../src/protocols/guessProtocol.js';
import { tcpFlags } from '../helpers/packetBuilder.js';
import { tempFile } from '../helpers/captureRecords.js';
import { wiresharkReading } from '../helpers/sharkd.js';

const run = (c: TcpConversation, segments: Segment[], options?: ReassembleOptions) =>
  streamEvents(pcapOf(segments.map((s) => c.frame(s))), options);

describe('TCP reassembly', () => {
  it('delivers both directions in order and ends each at its FIN', async () => {
    const c = new TcpConversation({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', 8774] });
    const segs = [
      ...c.handshake(),
      c.send(0, 'GET / HTTP/1.1\r\n\r\n'),
      c.ack(1),
      c.send(1, 'HTTP/1.1 200 OK\r\n'),
      c.send(1, '\r\n'),
      c.fin(1),
      c.fin(0),
      c.ack(1),
    ];
    const { events, connections, result } = await run(c, segs);
    expect(events).toEqual([
      [0, 'data', 0, 'GET / HTTP/1.1\r\n\r\n', 3 * ms],
      [0, 'data', 1, 'HTTP/1.1 200 OK\r\n', 5 * ms],
      [0, 'data', 1, '\r\n', 6 * ms],
      [0, 'end', 1, 'fin', 7 * ms],
      [0, 'end', 0, 'fin', 8 * ms],
    ]);
    expect(connections).toEqual([
      {
        id: 0,
        client: { ip: '10.0.0.1', port: 40000 },
        server: { ip: '10.0.0.2', port: 8774 },
        sawSyn: true,
        startTs: 0,
      },
    ]);
    const [stats] = result.connections;
    expect(stats).toMatchObject({
      packets: [4, 6],
      bytes: [18, 19],
      gaps: [0, 0],
      retransmissions: [0, 0],
      closed: 'fin',
      lastTs: 9 * ms,
    });
    expect(result.net).toMatchObject({ connections: 1, payloadBytes: 37, gaps: 0, retransmissions: 0, outOfOrder: 0 });
  });

  it('knows the client from the SYN even when the SYN-ACK comes first in the file', async () => {
    const c = new TcpConversation({ client: ['10.0.0.9', 80], server: ['10.0.0.2', 55555] });
    const [syn, synAck, ack] = c.handshake();
    const { connections } = await run(c, [syn, synAck, ack, c.send(0, 'x')]);
    expect(connections[0]).toMatchObject({
      client: { ip: '10.0.0.9', port: 80 },
      server: { port: 55555 },
      sawSyn: true,
    });
  });

  it('delivers a retransmitted segment once', async () => {
    const c = new TcpConversation();
    const hello = c.send(0, 'hello ');
    const segs = [...c.handshake(), hello, hello, c.send(0, 'world'), hello];
    const { events, result } = await run(c, segs);
    expect(events).toEqual([
      [0, 'data', 0, 'hello ', 3 * ms],
      [0, 'data', 0, 'world', 5 * ms],
      [0, 'end', 0, 'eof', 6 * ms],
      [0, 'end', 1, 'eof', 6 * ms],
    ]);
    expect(result.connections[0].retransmissions).toEqual([2, 0]);
  });

  it('delivers only the new bytes of a segment that overlaps what was delivered', async () => {
    const c = new TcpConversation();
    const segs = [...c.handshake(), c.at(0, 0, 'abcdef'), c.at(0, 3, 'defghi'), c.at(0, 2, 'cdefghijk')];
    const { events } = await run(c, segs);
    expect(events.filter((e) => e[1] === 'data')).toEqual([
      [0, 'data', 0, 'abcdef', 3 * ms],
      [0, 'data', 0, 'ghi', 4 * ms],
      [0, 'data', 0, 'jk', 5 * ms],
    ]);
  });

  it('delivers held segments that overlap each other and the filling segment once', async () => {
    const c = new TcpConversation();
    // Held: [6, 12) and [4, 10); then [0, 8) fills the hole and overlaps both.
    const segs = [...c.handshake(), c.at(0, 6, 'ghijkl'), c.at(0, 4, 'efghij'), c.at(0, 0, 'abcdefgh')];
    const { events, result } = await run(c, segs);
    expect(events.filter((e) => e[1] === 'data')).toEqual([
      [0, 'data', 0, 'abcdefgh', 5 * ms],
      [0, 'data', 0, 'ij', 4 * ms],
      [0, 'data', 0, 'kl', 3 * ms],
    ]);
    expect(result.connections[0].bytes).toEqual([12, 0]);
  });

  it('puts reordered segments back in order, each with the time of the segment that carried it', async () => {
    const c = new TcpConversation();
    const [a, b, d] = [c.send(0, 'one '), c.send(0, 'two '), c.send(0, 'three')];
    const { events, result } = await run(c, [...c.handshake(), d, b, a]);
    expect(events.filter((e) => e[1] === 'data')).toEqual([
      [0, 'data', 0, 'one ', 5 * ms],
      [0, 'data', 0, 'two ', 4 * ms],
      [0, 'data', 0, 'three', 3 * ms],
    ]);
    expect(result.connections[0].outOfOrder).toEqual([2, 0]);
    expect(result.net.gaps).toBe(0);
  });

  it('reports a lost segment as a gap of its exact size when the peer acknowledges past it, then the bytes after it', async () => {
    const c = new TcpConversation();
    const first = c.send(0, 'first-');
    c.send(0, 'LOST-LOST-'); // 10 bytes the capture never saw
    const third = c.send(0, 'third');
    const { events, result } = await run(c, [...c.handshake(), first, third, c.ack(1), c.send(1, 'ok')]);
    expect(events).toEqual([
      [0, 'data', 0, 'first-', 3 * ms],
      [0, 'gap', 0, 10, 5 * ms],
      [0, 'data', 0, 'third', 4 * ms],
      [0, 'data', 1, 'ok', 6 * ms],
      [0, 'end', 0, 'eof', 6 * ms],
      [0, 'end', 1, 'eof', 6 * ms],
    ]);
    expect(result.connections[0]).toMatchObject({ gaps: [1, 0], gapBytes: [10, 0] });
    expect(result.net).toMatchObject({ gaps: 1, gapBytes: 10 });
  });

  it('reports only the acknowledged part of a hole as lost and still takes the rest when it arrives late', async () => {
    const c = new TcpConversation();
    const a = c.send(0, 'aaaa');
    const lost = c.send(0, 'LOST'); // the receiver got it, the capture did not
    const late = c.send(0, 'late'); // still in flight
    const d = c.send(0, 'dddd');
    // The server acknowledges up to the end of `lost` only.
    const ackLost: Segment = {
      from: 1,
      seq: c.seqOf(1, 0),
      ack: (lost.seq + 4) >>> 0,
      flags: 0x10,
      payload: new Uint8Array(0),
    };
    const { events } = await run(c, [...c.handshake(), a, d, ackLost, late]);
    expect(events.slice(0, 4)).toEqual([
      [0, 'data', 0, 'aaaa', 3 * ms],
      [0, 'gap', 0, 4, 5 * ms],
      [0, 'data', 0, 'late', 6 * ms],
      [0, 'data', 0, 'dddd', 4 * ms],
    ]);
  });

  it('reports a hole still open at the end of input as a gap before the bytes after it', async () => {
    const c = new TcpConversation();
    const first = c.send(0, 'first-');
    c.send(0, '12345');
    const third = c.send(0, 'third');
    const { events } = await run(c, [...c.handshake(), first, third]);
    expect(events).toEqual([
      [0, 'data', 0, 'first-', 3 * ms],
      [0, 'gap', 0, 5, 4 * ms],
      [0, 'data', 0, 'third', 4 * ms],
      [0, 'end', 0, 'eof', 4 * ms],
      [0, 'end', 1, 'eof', 4 * ms],
    ]);
  });

  it('reports an unknown gap (-1) when the capture starts mid-stream, and guesses the server from its port', async () => {
    const c = new TcpConversation({ client: ['10.0.0.1', 51000], server: ['10.0.0.4', 5672] });
    c.send(0, 'before the capture');
    c.send(1, 'also before');
    const segs = [c.send(1, 'AMQP frame'), c.ack(0), c.send(0, 'reply'), c.send(1, 'more')];
    const { events, connections, result } = await run(c, segs);
    expect(events).toEqual([
      [0, 'gap', 1, -1, 0],
      [0, 'data', 1, 'AMQP frame', 0],
      [0, 'gap', 0, -1, 2 * ms],
      [0, 'data', 0, 'reply', 2 * ms],
      [0, 'data', 1, 'more', 3 * ms],
      [0, 'end', 0, 'eof', 3 * ms],
      [0, 'end', 1, 'eof', 3 * ms],
    ]);
    expect(connections[0]).toMatchObject({
      client: { port: 51000 },
      server: { ip: '10.0.0.4', port: 5672 },
      sawSyn: false,
    });
    // Unknown gaps are not counted as lost bytes.
    expect(result.net).toMatchObject({ gaps: 0, gapBytes: 0 });
  });

  it('ends a mid-stream direction that only ever sent its FIN with reason fin', async () => {
    const c = new TcpConversation({ client: ['10.0.0.1', 51000], server: ['10.0.0.4', 5672] });
    const segs = [c.send(0, 'x'), c.ack(1), c.fin(1), c.fin(0), c.ack(1)];
    const { events } = await run(c, segs);
    expect(events).toEqual([
      [0, 'gap', 0, -1, 0],
      [0, 'data', 0, 'x', 0],
      [0, 'end', 1, 'fin', 2 * ms],
      [0, 'end', 0, 'fin', 3 * ms],
    ]);
  });

  it('follows sequence numbers across the 2^32 wrap-around (in order, reordered, and with a loss)', async () => {
    const c = new TcpConversation({ clientIsn: 2 ** 32 - 3, serverIsn: 2 ** 32 - 1 });
    const a = c.send(0, 'abcdef'); // seq 2^32-2 .. 3: wraps inside the segment
    const b = c.send(0, 'ghij');
    const d = c.send(0, 'klmn');
    c.send(0, 'LOST');
    const f = c.send(0, 'rest');
    const r = c.send(1, 'server data starts at seq 0');
    expect(r.seq).toBe(0);
    const { events } = await run(c, [...c.handshake(), a, d, b, r, c.ack(1), f, c.fin(0)]);
    expect(events).toEqual([
      [0, 'data', 0, 'abcdef', 3 * ms],
      [0, 'data', 0, 'ghij', 5 * ms],
      [0, 'data', 0, 'klmn', 4 * ms],
      [0, 'data', 1, 'server data starts at seq 0', 6 * ms],
      [0, 'gap', 0, 4, 9 * ms],
      [0, 'data', 0, 'rest', 8 * ms],
      [0, 'end', 0, 'fin', 9 * ms],
      [0, 'end', 1, 'eof', 9 * ms],
    ]);
  });

  it('starts a second connection when the 4-tuple is reused after a close', async () => {
    const first = new TcpConversation({ clientIsn: 100, serverIsn: 200 });
    const second = new TcpConversation({ clientIsn: 900_000, serverIsn: 7 });
    const segs1 = [...first.handshake(), first.send(0, 'one'), first.fin(0), first.fin(1), first.ack(0)];
    const segs2 = [...second.handshake(), second.send(0, 'two'), second.fin(0)];
    const frames = [...segs1.map((s) => first.frame(s)), ...segs2.map((s) => second.frame(s))];
    const { events, connections, result } = await streamEvents(pcapOf(frames));
    expect(events).toEqual([
      [0, 'data', 0, 'one', 3 * ms],
      [0, 'end', 0, 'fin', 4 * ms],
      [0, 'end', 1, 'fin', 5 * ms],
      [1, 'data', 0, 'two', 10 * ms],
      [1, 'end', 0, 'fin', 11 * ms],
      [1, 'end', 1, 'eof', 11 * ms],
    ]);
    expect(connections.map((x) => [x.id, x.startTs, x.sawSyn])).toEqual([
      [0, 0, true],
      [1, 7 * ms, true],
    ]);
    expect(result.connections.map((s) => s.packets)).toEqual([
      [5, 2],
      [4, 1],
    ]);
  });

  it('starts a second connection when the 4-tuple is reused after a reset', async () => {
    const first = new TcpConversation({ clientIsn: 100, serverIsn: 200 });
    const second = new TcpConversation({ clientIsn: 5000, serverIsn: 6000 });
    const segs1 = [...first.handshake(), first.send(0, 'one'), first.rst(1)];
    const segs2 = [...second.handshake(), second.send(0, 'two')];
    const frames = [...segs1.map((s) => first.frame(s)), ...segs2.map((s) => second.frame(s))];
    const { events, result } = await streamEvents(pcapOf(frames));
    expect(events).toEqual([
      [0, 'data', 0, 'one', 3 * ms],
      [0, 'end', 0, 'rst', 4 * ms],
      [0, 'end', 1, 'rst', 4 * ms],
      [1, 'data', 0, 'two', 8 * ms],
      [1, 'end', 0, 'eof', 8 * ms],
      [1, 'end', 1, 'eof', 8 * ms],
    ]);
    expect(result.connections.map((s) => s.closed)).toEqual(['rst', 'eof']);
  });

  it('ends both directions at a RST and keeps later segments of that connection in it', async () => {
    const c = new TcpConversation();
    const late = c.at(0, 5, 'late!');
    const segs = [...c.handshake(), c.send(0, 'hello'), c.send(1, 'bye'), c.rst(1), late, c.rst(0)];
    const { events, result } = await run(c, segs);
    expect(events).toEqual([
      [0, 'data', 0, 'hello', 3 * ms],
      [0, 'data', 1, 'bye', 4 * ms],
      [0, 'end', 0, 'rst', 5 * ms],
      [0, 'end', 1, 'rst', 5 * ms],
    ]);
    expect(result.net.connections).toBe(1);
    expect(result.connections).toHaveLength(1);
    expect(result.connections[0]).toMatchObject({ closed: 'rst', packets: [5, 3] });
  });

  it('delivers data that arrives after its FIN was seen, then ends', async () => {
    const c = new TcpConversation();
    const a = c.send(0, 'last words');
    const fin = c.fin(0);
    const { events } = await run(c, [...c.handshake(), fin, a]);
    expect(events).toEqual([
      [0, 'data', 0, 'last words', 4 * ms],
      [0, 'end', 0, 'fin', 4 * ms],
      [0, 'end', 1, 'eof', 4 * ms],
    ]);
  });

  it('treats a retransmitted SYN as the same connection', async () => {
    const c = new TcpConversation();
    const [syn, synAck, ack] = c.handshake();
    const { connections, events } = await run(c, [syn, syn, synAck, ack, c.send(0, 'x')]);
    expect(connections).toHaveLength(1);
    expect(events[0]).toEqual([0, 'data', 0, 'x', 4 * ms]);
  });

  it('forces a gap when out-of-order bytes exceed the per-direction buffer, and warns', async () => {
    const c = new TcpConversation();
    const a = c.send(0, 'aaaa');
    c.send(0, 'hole');
    const b = c.send(0, 'bbbbbbbb');
    const d = c.send(0, 'dddddddd');
    const { events, result } = await run(c, [...c.handshake(), a, b, d], {
      limits: { maxBufferedBytesPerDirection: 10 },
    });
    expect(events.slice(0, 4)).toEqual([
      [0, 'data', 0, 'aaaa', 3 * ms],
      [0, 'gap', 0, 4, 5 * ms],
      [0, 'data', 0, 'bbbbbbbb', 4 * ms],
      [0, 'data', 0, 'dddddddd', 5 * ms],
    ]);
    expect(result.net.bufferLimitHits).toBe(1);
    expect(result.warnings.some((w) => /buffer limit/.test(w.message))).toBe(true);
  });

  it('resumes an idle connection whose sequence numbers continue as the same connection, with the same handler (as tshark keeps one conversation)', async () => {
    const c = new TcpConversation();
    const segs = [...c.handshake(), c.send(0, 'early'), c.send(0, 'later')];
    // The last segment comes 3 s after the others; the idle limit is 2 s.
    const frames = segs.map((s, i) => ({ sec: epochSec + (i === 4 ? 3 : 0), nsec: i * ms, data: c.frame(s) }));
    const { events, connections, result } = await streamEvents(pcap(frames), { limits: { idleTimeoutNs: 2e9 } });
    // No end and no gap between: a message across the quiet time goes on in the same parser.
    expect(events).toEqual([
      [0, 'data', 0, 'early', 3 * ms],
      [0, 'data', 0, 'later', 3e9 + 4 * ms],
      [0, 'end', 0, 'eof', 3e9 + 4 * ms],
      [0, 'end', 1, 'eof', 3e9 + 4 * ms],
    ]);
    expect(connections.map((x) => x.id)).toEqual([0]);
    expect(result.net.connections).toBe(1);
    expect(result.connections).toHaveLength(1);
    expect(result.connections[0]).toMatchObject({ packets: [4, 1], bytes: [10, 0], closed: 'eof' });
  });

  it('keeps a connection idle for eleven minutes (the default limit is ten) one connection, as tshark does', async () => {
    const c = new TcpConversation({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', 5672] });
    const segs = [...c.handshake(), c.send(0, 'AMQP\0\0\x09\x01'), c.ack(1), c.send(0, 'again'), c.ack(1)];
    const frames = segs.map((s, i) => ({ sec: epochSec + (i >= 5 ? 660 : 0), nsec: i * ms, data: c.frame(s) }));
    const file = pcap(frames);
    const { result } = await streamEvents(file);
    expect(result.net.connections).toBe(1);
    expect(result.connections).toHaveLength(1);
    expect((await wiresharkReading(tempFile('idle-11-minutes.pcap', file))).tcpConversations).toBe(1);
  });

  it('ends an idle connection that never resumes at the end of input, as of its idle end, and one whose 4-tuple a new SYN takes', async () => {
    const a = new TcpConversation({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', 8774] });
    const b = new TcpConversation({ client: ['10.0.0.3', 40000], server: ['10.0.0.2', 8774] });
    const a2 = new TcpConversation({
      client: ['10.0.0.1', 40000],
      server: ['10.0.0.2', 8774],
      clientIsn: 90000,
      serverIsn: 91000,
    });
    const segs = [
      ...a.handshake().map((x) => a.frame(x)),
      a.frame(a.send(0, 'early')),
      ...b.handshake().map((x) => b.frame(x)),
      b.frame(b.send(0, 'other')),
    ];
    // b's segments come 3 s later (the sweep ends a as idle), then a new handshake on a's 4-tuple.
    const frames = [...segs, ...a2.handshake().map((x) => a2.frame(x))].map((data, i) => ({
      sec: epochSec + (i >= 4 ? 3 : 0),
      nsec: i * ms,
      data,
    }));
    const { events, result } = await streamEvents(pcap(frames), { limits: { idleTimeoutNs: 2e9 } });
    const idleEnd = events.filter((e) => e[0] === 0 && e[1] === 'end');
    expect(idleEnd).toHaveLength(2);
    expect(idleEnd.map((e) => e[3])).toEqual(['idle', 'idle']);
    // Ended before the new connection on its 4-tuple opened (its SYN is frame 8).
    expect(idleEnd.every((e) => (e[4] as number) <= 3e9 + 8 * ms)).toBe(true);
    expect(result.net.connections).toBe(3);
    const onlyIdle = await streamEvents(pcap(frames.slice(0, 8)), { limits: { idleTimeoutNs: 2e9 } });
    expect(onlyIdle.events.filter((e) => e[0] === 0 && e[1] === 'end').map((e) => e[3])).toEqual(['idle', 'idle']);
  });

  it('starts another connection after an idle end when the sequence numbers jump', async () => {
    const c = new TcpConversation();
    const segs = [...c.handshake(), c.send(0, 'early'), c.at(0, 1 << 29, 'elsewhere')];
    const frames = segs.map((s, i) => ({ sec: epochSec + (i === 4 ? 3 : 0), nsec: i * ms, data: c.frame(s) }));
    const { events, result } = await streamEvents(pcap(frames), { limits: { idleTimeoutNs: 2e9 } });
    expect(result.net.connections).toBe(2);
    expect(result.connections.map((x) => x.info.id)).toEqual([0, 1]);
    // The first ends as of its idle end (when the second segment came), once it cannot resume.
    expect(events.filter((e) => e[0] === 0 && e[1] === 'end')).toEqual([
      [0, 'end', 0, 'idle', 3e9 + 4 * ms],
      [0, 'end', 1, 'idle', 3e9 + 4 * ms],
    ]);
  });

  it('counts a SYN retransmitted after each RST (a closed port, retried) as one connection, as tshark does', async () => {
    const c = new TcpConversation({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', 9999] });
    const [syn] = c.handshake();
    const rst = {
      from: 1 as const,
      seq: 0,
      ack: c.seqOf(0, 0),
      flags: tcpFlags.RST | tcpFlags.ACK,
      payload: new Uint8Array(0),
    };
    const file = pcapOf([syn, rst, syn, rst, syn, rst].map((s) => c.frame(s)));
    const { result } = await streamEvents(file);
    expect(result.net.connections).toBe(1);
    expect(result.connections).toHaveLength(1);
    expect(result.connections[0].packets).toEqual([3, 3]);
    expect((await wiresharkReading(tempFile('syn-rst-retries.pcap', file))).tcpConversations).toBe(1);
    // A new ISN after the RST is a new connection (tshark agrees).
    const again = new TcpConversation({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', 9999], clientIsn: 90_000 });
    const file2 = pcapOf([syn, rst, again.handshake()[0]].map((s) => c.frame(s)));
    expect((await streamEvents(file2)).result.net.connections).toBe(2);
    expect((await wiresharkReading(tempFile('syn-rst-new-isn.pcap', file2))).tcpConversations).toBe(2);
  });

  it('reads what a connection carries once its SYN, retried after a RST, is answered (one connection, as tshark)', async () => {
    const c = new TcpConversation({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', 8554] });
    const [syn, synAck, ack] = c.handshake();
    const rst = {
      from: 1 as const,
      seq: 0,
      ack: c.seqOf(0, 0),
      flags: tcpFlags.RST | tcpFlags.ACK,
      payload: new Uint8Array(0),
    };
    const segs = [
      syn,
      rst,
      syn,
      synAck,
      ack,
      c.send(0, 'OPTIONS * RTSP/1.0\r\n\r\n'),
      c.send(1, 'RTSP/1.0 200 OK\r\n\r\n'),
      c.fin(0),
      c.fin(1),
    ];
    const file = pcapOf(segs.map((s) => c.frame(s)));
    const { events, result } = await streamEvents(file);
    expect(events.filter((e) => e[1] === 'data').map((e) => [e[0], e[2], e[3]])).toEqual([
      [0, 0, 'OPTIONS * RTSP/1.0\r\n\r\n'],
      [0, 1, 'RTSP/1.0 200 OK\r\n\r\n'],
    ]);
    // The refused attempt's handler ends at the RST; the answered one's at the FINs.
    expect(events.filter((e) => e[1] === 'end').map((e) => [e[0], e[2], e[3]])).toEqual([
      [0, 0, 'rst'],
      [0, 1, 'rst'],
      [0, 0, 'fin'],
      [0, 1, 'fin'],
    ]);
    expect(result.net.connections).toBe(1);
    expect(result.connections).toHaveLength(1);
    expect(result.connections[0]).toMatchObject({ packets: [5, 4], closed: 'fin' });
    expect((await wiresharkReading(tempFile('syn-rst-retry-answered.pcap', file))).tcpConversations).toBe(1);
  });

  it('counts a FIN retransmitted long after its connection closed in that connection, as tshark keeps one stream', async () => {
    const c = new TcpConversation({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', 443] });
    const opening = [...c.handshake(), c.send(0, 'hello'), c.send(1, 'world'), c.fin(0)];
    const finServer = c.fin(1);
    const segs = [...opening, finServer, c.ack(0), finServer, finServer];
    // The last two copies of the server's FIN come 10 s and 20 s later: the closed connection has left the table.
    const frames = segs.map((s, i) => ({
      sec: epochSec + (i === 8 ? 10 : i === 9 ? 20 : 0),
      nsec: i * ms,
      data: c.frame(s),
    }));
    const file = pcap(frames);
    const { events, result } = await streamEvents(file);
    expect(result.net.connections).toBe(1);
    expect(result.connections).toHaveLength(1);
    expect(result.connections[0]).toMatchObject({ packets: [5, 5], closed: 'fin' });
    expect(events.filter((e) => e[1] === 'end')).toHaveLength(2);
    expect((await wiresharkReading(tempFile('late-fin.pcap', file))).tcpConversations).toBe(1);
    // New bytes after the close are another connection's (the 4-tuple reused without a SYN seen).
    const more = c.send(0, 'more');
    const file2 = pcap([...frames, { sec: epochSec + 30, nsec: 0, data: c.frame(more) }]);
    expect((await streamEvents(file2)).result.net.connections).toBe(2);
  });

  it('keeps an unanswered SYN retried with backoff past the quiet limit (30 s) one connection, then reads it once answered, as tshark', async () => {
    const c = new TcpConversation({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', 8080] });
    const [syn, synAck, ack] = c.handshake();
    const other = new TcpConversation({ client: ['10.0.0.3', 40001], server: ['10.0.0.2', 8080] });
    // Retries at 0, 1, 3, 7, 15, 31 and 63 s (the last gap, 32 s, passes the quiet limit); another
    // connection's SYN at 62 s makes the sweep end the quiet one; then the answer and a request.
    const at = [0, 1, 3, 7, 15, 31, 63];
    const frames = [
      ...at.slice(0, 6).map((sec) => ({ sec: epochSec + sec, nsec: 0, data: c.frame(syn) })),
      { sec: epochSec + 62, nsec: 0, data: other.frame(other.handshake()[0]) },
      { sec: epochSec + 63, nsec: 0, data: c.frame(syn) },
      ...[synAck, ack, c.send(0, 'GET / HTTP/1.1\r\n\r\n')].map((s, i) => ({
        sec: epochSec + 63,
        nsec: (i + 1) * ms,
        data: c.frame(s),
      })),
    ];
    const file = pcap(frames);
    const { events, result } = await streamEvents(file);
    expect(result.net.connections).toBe(2);
    expect(result.net.quietConnectionsEnded).toBeGreaterThan(0);
    const first = result.connections.find((x) => x.info.client.port === 40000)!;
    expect(first.packets).toEqual([9, 1]);
    expect(events.filter((e) => e[1] === 'data').map((e) => e[3])).toEqual(['GET / HTTP/1.1\r\n\r\n']);
    expect((await wiresharkReading(tempFile('syn-retried-past-quiet-limit.pcap', file))).tcpConversations).toBe(2);
  });

  it('takes the roles of a mid-stream connection on unknown ports from its bytes, not from the lower port', async () => {
    // The client's port is the lower one: ports alone would call it the server.
    const c = new TcpConversation({ client: ['10.0.0.1', 3000], server: ['10.0.0.2', 45000] });
    c.send(0, 'before the capture');
    c.send(1, 'before too');
    for (const first of [0, 1] as const) {
      const req = c.send(0, 'GET /a HTTP/1.1\r\n\r\n'),
        resp = c.send(1, 'HTTP/1.1 200 OK\r\n\r\n');
      const segs = first === 0 ? [req, resp] : [resp, req];
      const { connections, events, result } = await run(c, segs, { senderRole });
      expect(connections[0]).toMatchObject({
        client: { ip: '10.0.0.1', port: 3000 },
        server: { ip: '10.0.0.2', port: 45000 },
        sawSyn: false,
      });
      expect(events.filter((e) => e[1] === 'data').map((e) => [e[2], e[3]])).toEqual(
        first === 0
          ? [
              [0, 'GET /a HTTP/1.1\r\n\r\n'],
              [1, 'HTTP/1.1 200 OK\r\n\r\n'],
            ]
          : [
              [1, 'HTTP/1.1 200 OK\r\n\r\n'],
              [0, 'GET /a HTTP/1.1\r\n\r\n'],
            ],
      );
      expect(result.connections[0].packets).toEqual([1, 1]);
    }
    // Without the bytes' say, the ports decide as before.
    const { connections } = await run(c, [c.send(0, 'xyz')], { senderRole });
    expect(connections[0]).toMatchObject({ client: { port: 45000 }, server: { port: 3000 } });
  });

  it('keeps connections apart by address and port, over IPv4 and IPv6', async () => {
    const a = new TcpConversation({ client: ['10.0.0.1', 40000] });
    const b = new TcpConversation({ client: ['10.0.0.1', 40001] });
    const v6 = new TcpConversation({ client: ['fd00::1', 40000], server: ['fd00::2', 80] });
    const frames = [
      ...a.handshake().map((s) => a.frame(s)),
      ...b.handshake().map((s) => b.frame(s)),
      ...v6.handshake().map((s) => v6.frame(s)),
      b.frame(b.send(0, 'to b')),
      v6.frame(v6.send(1, 'from v6 server')),
      a.frame(a.send(0, 'to a')),
    ];
    const { events } = await streamEvents(pcapOf(frames));
    expect(events.filter((e) => e[1] === 'data')).toEqual([
      [1, 'data', 0, 'to b', 9 * ms],
      [2, 'data', 1, 'from v6 server', 10 * ms],
      [0, 'data', 0, 'to a', 11 * ms],
    ]);
  });
  it('starts a new connection at a SYN whose sequence does not continue a mid-stream connection on the same 4-tuple', async () => {
    const old = new TcpConversation({ clientIsn: 10_000 });
    old.send(0, 'before the capture');
    const fresh = new TcpConversation({ clientIsn: 77 });
    const frames = [
      old.frame(old.send(0, 'tail')),
      ...fresh.handshake().map((s) => fresh.frame(s)),
      fresh.frame(fresh.send(0, 'head')),
    ];
    const { events, connections } = await streamEvents(pcapOf(frames));
    expect(events).toEqual([
      [0, 'gap', 0, -1, 0],
      [0, 'data', 0, 'tail', 0],
      [0, 'end', 0, 'eof', 1 * ms],
      [0, 'end', 1, 'eof', 1 * ms],
      [1, 'data', 0, 'head', 4 * ms],
      [1, 'end', 0, 'eof', 4 * ms],
      [1, 'end', 1, 'eof', 4 * ms],
    ]);
    expect(connections.map((x) => x.sawSyn)).toEqual([false, true]);
  });

  it('ends a direction at its FIN as soon as the peer acknowledges the hole before it', async () => {
    const c = new TcpConversation();
    const a = c.send(0, 'aaaa');
    c.send(0, 'LOST');
    const b = c.send(0, 'bbbb');
    const fin = c.fin(0);
    const { events } = await run(c, [...c.handshake(), a, b, fin, c.ack(1), c.send(1, 'later')]);
    expect(events).toEqual([
      [0, 'data', 0, 'aaaa', 3 * ms],
      [0, 'gap', 0, 4, 6 * ms],
      [0, 'data', 0, 'bbbb', 4 * ms],
      [0, 'end', 0, 'fin', 6 * ms],
      [0, 'data', 1, 'later', 7 * ms],
      [0, 'end', 1, 'eof', 7 * ms],
    ]);
  });
});
