import { describe, expect, it } from 'vitest';
import { DuplicateFrameFilter, duplicateRingSize, duplicateWindowNs } from '../../src/net/duplicateFrames.js';
import { ipv4, ipv6, tcp, text } from '../helpers/packetBuilder.js';

const segment = (seq: number, payload = 'GET / HTTP/1.1\r\n\r\n', id = 7) =>
  ipv4(tcp(text(payload), { sport: 40000, dport: 8774, seq, flags: 0x18 }), { src: '10.0.0.1', dst: '10.0.0.2', id });

/** The packet placed at an offset inside a larger buffer, as a read chunk holds it. */
function inChunk(p: Uint8Array, at = 13): [Uint8Array, number, number] {
  const b = new Uint8Array(at + p.length + 5);
  b.set(p, at);
  return [b, at, at + p.length];
}

describe('DuplicateFrameFilter', () => {
  it('counts a copy on another interface within the window once, and not one on the same interface', () => {
    const f = new DuplicateFrameFilter();
    expect(f.isDuplicate(...inChunk(segment(1)), 0, 2)).toBe(false);
    expect(f.isDuplicate(...inChunk(segment(1), 40), 200_000, 3)).toBe(true);
    expect(f.isDuplicate(...inChunk(segment(1)), 300_000, 2)).toBe(false); // a retransmission on the same interface
    expect(f.duplicates).toBe(1);
  });

  it('ignores TTL and the IPv4 header checksum, which forwarding between interfaces changes', () => {
    const f = new DuplicateFrameFilter();
    const a = segment(1);
    const b = a.slice();
    b[8] = 63;
    b[10] = 0x12;
    b[11] = 0x34;
    expect(f.isDuplicate(a, 0, a.length, 0, 2)).toBe(false);
    expect(f.isDuplicate(b, 0, b.length, 1000, 5)).toBe(true);
  });

  it('tells apart packets of one flow that differ in sequence number, IP id or length', () => {
    const f = new DuplicateFrameFilter();
    const packets = [
      segment(1),
      segment(2),
      segment(1, 'GET / HTTP/1.1\r\n\r\n', 8),
      segment(1, 'GET /x HTTP/1.1\r\n\r\n'),
    ];
    packets.forEach((p, i) => expect(f.isDuplicate(p, 0, p.length, i, i)).toBe(false));
    expect(f.duplicates).toBe(0);
  });

  it('forgets copies further apart than the window', () => {
    const f = new DuplicateFrameFilter();
    const p = segment(1);
    expect(f.isDuplicate(p, 0, p.length, 0, 2)).toBe(false);
    expect(f.isDuplicate(p, 0, p.length, duplicateWindowNs + 1, 3)).toBe(false);
  });

  it('with no interface known (Linux SLL), any copy within the window counts', () => {
    const f = new DuplicateFrameFilter();
    const p = ipv6(tcp(text('x'), { sport: 1, dport: 2, seq: 9, flags: 0x18 }), {
      src: '2001:db8::1',
      dst: '2001:db8::2',
    });
    expect(f.isDuplicate(p, 0, p.length, 0, -1)).toBe(false);
    expect(f.isDuplicate(p, 0, p.length, 10, -1)).toBe(true);
  });

  it('stays bounded and correct after the ring has been reused many times over', () => {
    const f = new DuplicateFrameFilter();
    const n = duplicateRingSize * 3 + 17;
    const step = 10; // the window holds more packets than the ring
    for (let i = 0; i < n; i++) {
      const p = segment(i, 'abc', i & 0xffff);
      expect(f.isDuplicate(p, 0, p.length, i * step, 2)).toBe(false);
      // Every fifth packet is seen again on a second interface 5 ns later.
      if (i % 5 === 0) expect(f.isDuplicate(p, 0, p.length, i * step + 5, 3)).toBe(true);
    }
    expect(f.duplicates).toBe(Math.ceil(n / 5));
    const now = n * step;
    const recent = segment(n - 10, 'abc', (n - 10) & 0xffff);
    expect(f.isDuplicate(recent, 0, recent.length, now, 3)).toBe(true);
    // Within the window but more than a ring's worth of packets ago: forgotten.
    const old = segment(n - duplicateRingSize - 10, 'abc', (n - duplicateRingSize - 10) & 0xffff);
    expect(now - (n - duplicateRingSize - 10) * step).toBeLessThan(duplicateWindowNs);
    expect(f.isDuplicate(old, 0, old.length, now, 3)).toBe(false);
  });
});
