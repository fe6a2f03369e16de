/**
 * The packet-stats addon in this process, on the loopback interface: the capture's
 * socket is told from sockets opened before it, and its counts follow the kernel's
 * (every datagram passes the loopback tap twice, going out and coming in; libpcap hands
 * over only the incoming copy), monotonic across reads and kept after the close; a
 * ring too small for a burst shows its drops.
 */
import { createRequire } from 'node:module';
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureSocketCounters } from '../../src/live/captureSocketCounters.js';
import { loadPacketSocketStats } from '../../src/live/packetSocketStats.js';
import { retainCapHandle } from '../../src/live/libpcapSource.js';

interface Cap {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  on(ev: 'packet', fn: () => void): void;
  close(): void;
}

const require = createRequire(import.meta.url);
function loadCap(): { Cap: new () => Cap } | string {
  try {
    return require('cap') as { Cap: new () => Cap };
  } catch (e) {
    return `the cap binding is not built (${(e as Error).message.split('\n')[0]})`;
  }
}

const cap = loadCap();
const addon = loadPacketSocketStats();
const addonRequired = process.env.VIM_ANALYSE_REQUIRE_PACKET_STATS === '1';
// CI builds the addon (npm ci with a compiler): there its absence is a failure, not a skip.
const skip =
  typeof cap === 'string'
    ? cap
    : process.getuid?.() !== 0
      ? 'capturing needs root (or CAP_NET_RAW)'
      : 'unavailable' in addon && !addonRequired
        ? addon.unavailable
        : null;
if (skip) console.log(`capture socket counter test skipped: ${skip}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip !== null)('CaptureSocketCounters (packet-stats addon, loopback)', () => {
  const port = 40000 + (process.pid % 20000);
  const buffer = Buffer.alloc(65536);
  const handles: Cap[] = [];
  afterAll(() => handles.forEach((h) => h.close()));

  const open = (filter: string, ringBytes = 32 * 1024 * 1024) => {
    const counters = new CaptureSocketCounters();
    const c = new (cap as { Cap: new () => Cap }).Cap();
    c.open('lo', filter, ringBytes, buffer);
    // Never collected: the workers that run this file go on to other files (libpcapSource.ts says why).
    retainCapHandle(c);
    counters.opened();
    handles.push(c);
    let delivered = 0;
    // The buffer is referenced here so it lives as long as the capture writing into it.
    c.on('packet', () => void (delivered += buffer.length > 0 ? 1 : 0));
    return { counters, handle: c, delivered: () => delivered };
  };

  it('has the packet-stats addon', () => {
    expect('unavailable' in addon ? addon.unavailable : null).toBeNull();
  });

  it('counts what the kernel counted for its own socket only', async () => {
    const other = open(`udp port ${port + 1}`);
    const ours = open(`udp port ${port}`);
    expect(ours.counters.unavailable).toBeNull();
    const sock = createSocket('udp4');
    for (let i = 0; i < 50; i++) sock.send('x', port, '127.0.0.1');
    await sleep(500);
    sock.close();
    expect(ours.counters.counts()).toEqual({ received: 100, drops: 0 });
    expect(ours.delivered()).toBe(50);
    // Read twice: the kernel reset its counters at the first read, the totals stay.
    expect(ours.counters.counts()).toEqual({ received: 100, drops: 0 });
    expect(other.counters.counts()).toEqual({ received: 0, drops: 0 });
    // Closed: the socket is gone, its last totals remain.
    ours.handle.close();
    handles.splice(handles.indexOf(ours.handle), 1);
    expect(ours.counters.counts()).toEqual({ received: 100, drops: 0 });
  });

  it('counts the drops of a ring too small for a burst', async () => {
    // One 64 KiB slot: the 100 copies arrive in one go, while this thread is busy sending.
    const tiny = open(`udp port ${port + 2}`, 1);
    const sock = createSocket('udp4');
    for (let i = 0; i < 50; i++) sock.send('x', port + 2, '127.0.0.1');
    await sleep(500);
    sock.close();
    const c = tiny.counters.counts()!;
    expect(c.received).toBe(100);
    expect(c.drops).toBeGreaterThan(90);
    expect(tiny.delivered()).toBeLessThanOrEqual(100 - c.drops);
  });
});
