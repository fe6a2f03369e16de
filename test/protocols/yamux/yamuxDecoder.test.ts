import { describe, expect, it } from 'vitest';
import { YamuxDecoder, type YamuxEvents } from '../../../src/protocols/yamux/yamuxDecoder.js';
import { defaultProtocolLimits, type ProtocolContext, type ProtocolWarning } from '../../../src/protocols/types.js';

// Spec style: bytes in, the list of events out.

function yamuxFrame(type: number, flags: number, streamId: number, payloadOrLength: Uint8Array | number): Uint8Array {
  const payload = typeof payloadOrLength === 'number' ? new Uint8Array(0) : payloadOrLength;
  const length = typeof payloadOrLength === 'number' ? payloadOrLength : payload.length;
  const out = new Uint8Array(12 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0);
  v.setUint8(1, type);
  v.setUint16(2, flags);
  v.setUint32(4, streamId);
  v.setUint32(8, length);
  out.set(payload, 12);
  return out;
}
const data = (id: number, text: string, flags = 0) => yamuxFrame(0, flags, id, new TextEncoder().encode(text));
const windowUpdate = (id: number, flags: number, delta = 262144) => yamuxFrame(1, flags, id, delta);
const ping = (flags: number, opaque = 7) => yamuxFrame(2, flags, 0, opaque);
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

function context(): ProtocolContext & { warnings: ProtocolWarning[] } {
  const warnings: ProtocolWarning[] = [];
  return {
    counters: {},
    warn: (w) => warnings.push(w),
    limits: { ...defaultProtocolLimits, maxFrameBytes: 1 << 16 },
    warnings,
  };
}

/** Runs chunks (each with ts = its index) through a decoder and records events as strings. */
function run(chunks: (Uint8Array | { gap: number })[], opts: { resync?: boolean } = {}) {
  const ctx = context();
  const events: string[] = [];
  const text = new Map<number, string>();
  const ev: YamuxEvents = {
    streamOpen: (id, fromStart, ts) => events.push(`open ${id}${fromStart ? ' start' : ' midway'} @${ts}`),
    data: (id, bytes, ts) => {
      events.push(`data ${id} "${new TextDecoder().decode(bytes)}" @${ts}`);
      text.set(id, (text.get(id) ?? '') + new TextDecoder().decode(bytes));
    },
    streamGap: (id, n, ts) => events.push(`gap ${id ?? 'all'} ${n} @${ts}`),
    streamClose: (id, reason, ts) => events.push(`close ${id} ${reason} @${ts}`),
  };
  const d = new YamuxDecoder(ev, ctx, { conn: 0, dir: 0, resync: opts.resync });
  chunks.forEach((c, i) => ('gap' in c ? d.gap(c.gap, i) : d.feed(c, i)));
  d.end(chunks.length);
  return { events, text, counters: ctx.counters.yamux ?? {}, warnings: ctx.warnings };
}

describe('YamuxDecoder', () => {
  it('decodes interleaved streams with window updates and pings between data frames', () => {
    const r = run([
      cat(windowUpdate(1, 1), data(1, 'hello '), ping(1), windowUpdate(3, 1), data(3, 'other')),
      cat(windowUpdate(1, 0, 100), data(1, 'world'), ping(2)),
    ]);
    expect(r.events).toEqual([
      'open 1 start @0',
      'data 1 "hello " @0',
      'open 3 start @0',
      'data 3 "other" @0',
      'data 1 "world" @1',
      'close 1 end @2',
      'close 3 end @2',
    ]);
    expect(r.counters['frame(1,1)']).toBe(2);
    expect(r.counters['frame(2,1)']).toBe(1);
    expect(r.counters['frame(2,2)']).toBe(1);
    expect(r.counters['frame(0,0)']).toBe(3);
    expect(r.counters['frame(1,0)']).toBe(1);
  });

  it('gives every stream the same bytes whatever the TCP segmentation (every split offset)', () => {
    const wire = cat(windowUpdate(1, 1), data(1, 'abc'), windowUpdate(3, 1), data(3, 'xyz'), data(1, 'def'), ping(1));
    for (let a = 0; a <= wire.length; a++) {
      for (let b = a; b <= wire.length; b += 7) {
        const r = run([wire.subarray(0, a), wire.subarray(a, b), wire.subarray(b)]);
        expect(r.text.get(1)).toBe('abcdef');
        expect(r.text.get(3)).toBe('xyz');
        expect(r.counters.frames).toBe(6);
        expect(r.warnings).toEqual([]);
      }
    }
  });

  it('stamps payload bytes with the time of the TCP chunk carrying them, not of the header', () => {
    const f = data(5, 'abcdef', 1);
    const r = run([f.subarray(0, 14), f.subarray(14)]);
    expect(r.events).toEqual(['open 5 start @0', 'data 5 "ab" @0', 'data 5 "cdef" @1', 'close 5 end @2']);
  });

  it('follows the SYN / ACK / FIN / RST lifecycle of a stream', () => {
    const r = run([cat(data(1, 'req', 1), data(1, 'last', 4), windowUpdate(3, 1), windowUpdate(3, 8, 0))]);
    expect(r.events).toEqual([
      'open 1 start @0',
      'data 1 "req" @0',
      'data 1 "last" @0',
      'close 1 fin @0',
      'open 3 start @0',
      'close 3 rst @0',
    ]);
    expect(r.counters.streamsFinished).toBe(1);
    expect(r.counters.streamsReset).toBe(1);
  });

  it('takes an ACK (the peer accepting a stream) as the start of that stream in this direction', () => {
    const r = run([cat(windowUpdate(1, 2), data(1, 'reply'), data(9, 'joined late'))]);
    expect(r.events.slice(0, 4)).toEqual([
      'open 1 start @0',
      'data 1 "reply" @0',
      'open 9 midway @0',
      'data 9 "joined late" @0',
    ]);
    expect(r.counters.streamsAccepted).toBe(1);
    expect(r.counters.streamsSeenMidway).toBe(1);
  });

  it('reports a capture truncated in the middle of a frame', () => {
    const f = data(1, 'abcdefgh', 1);
    const r = run([f.subarray(0, 15)]);
    expect(r.events).toEqual(['open 1 start @0', 'data 1 "abc" @0', 'close 1 end @1']);
    expect(r.counters.truncatedFrames).toBe(1);
    expect(r.warnings[0].message).toMatch(/inside a yamux frame/);
  });

  it('keeps the framing across a gap of known size inside one payload', () => {
    const f = data(1, 'abcdefgh', 1);
    const r = run([f.subarray(0, 14), { gap: 3 }, cat(f.subarray(17), data(1, 'next'))]);
    expect(r.events).toEqual([
      'open 1 start @0',
      'data 1 "ab" @0',
      'gap 1 3 @1',
      'data 1 "fgh" @2',
      'data 1 "next" @2',
      'close 1 end @3',
    ]);
    expect(r.counters.resyncs).toBeUndefined();
  });

  it('resynchronises on a session seen from its middle, counting the skipped bytes', () => {
    // The capture starts 5 bytes into a data frame of stream 1 (7 bytes of it left).
    const tail = data(1, 'abcdefghij').subarray(5);
    const r = run([{ gap: -1 }, cat(tail, data(3, 'hello'), windowUpdate(3, 0), data(1, 'world'))]);
    expect(r.events).toEqual([
      'gap all -1 @0',
      'open 3 midway @1',
      'data 3 "hello" @1',
      'open 1 midway @1',
      'data 1 "world" @1',
      'close 3 end @2',
      'close 1 end @2',
    ]);
    expect(r.counters.skippedBytes).toBe(tail.length);
    expect(r.counters.resynced).toBe(1);
  });

  it('waits for the confirming header when the candidate frame is split across chunks', () => {
    const wire = cat(Uint8Array.of(9, 9, 9), data(2, 'split'), data(2, '!'));
    for (let cut = 1; cut < wire.length; cut++) {
      const r = run([wire.subarray(0, cut), wire.subarray(cut)], { resync: true });
      expect(r.text.get(2)).toBe('split!');
      expect(r.counters.skippedBytes).toBe(3);
    }
  });

  it('resynchronises after an unknown loss and tells every stream it lost bytes', () => {
    const f = data(1, 'abcdefgh', 1);
    const r = run([f.subarray(0, 14), { gap: -1 }, cat(f.subarray(18), data(1, 'again'), data(1, 'more'))]);
    expect(r.events).toEqual([
      'open 1 start @0',
      'data 1 "ab" @0',
      'gap 1 -1 @1',
      'gap all -1 @1',
      'data 1 "again" @2',
      'data 1 "more" @2',
      'close 1 end @3',
    ]);
    expect(r.counters.skippedBytes).toBe(2);
  });

  it('treats a header with an unknown version as lost framing, not as a frame', () => {
    const bad = data(1, 'x');
    bad[0] = 1;
    const r = run([cat(data(1, 'ok', 1), bad, data(1, 'after'), data(1, 'again'))]);
    expect(r.counters.badHeaders).toBe(1);
    expect(r.text.get(1)).toBe('okafteragain');
    expect(r.warnings.some((w) => /invalid yamux header/.test(w.message))).toBe(true);
  });

  it('refuses a data length over maxFrameBytes instead of waiting for it', () => {
    const huge = yamuxFrame(0, 0, 1, 0xffffffff);
    const r = run([cat(data(1, 'ok', 1), huge)]);
    expect(r.counters.badHeaders).toBe(1);
    expect(r.text.get(1)).toBe('ok');
  });
});
