/**
 * Live packets through libpcap, via the optional `cap` binding (built against the
 * system's libpcap). `cap` runs libpcap in immediate mode but does not hand out the
 * per-packet timestamp libpcap has, so each packet is stamped when the binding delivers
 * it (a monotonic clock anchored to the wall clock at start): within tens of µs of the
 * kernel's stamp when the host is not overloaded.
 *
 * Nor does `cap` call pcap_stats: the kernel's packet and drop counters for the capture
 * are read with the optional packet-stats addon (see captureSocketCounters.ts).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { PacketRecord } from '../capture/types.js';
import type { SessionClock } from '../capture/sessionClock.js';
import { CaptureSocketCounters } from './captureSocketCounters.js';
import { DropWindows } from './dropWindows.js';
import { defaultCaptureBufferBytes, LiveCaptureError, type LiveOptions, type LiveStats } from './types.js';

/** libpcap's DLT names (pcap_datalink_val_to_name) → LINKTYPE_* values. */
export const dltNames: Readonly<Record<string, number>> = {
  NULL: 0,
  EN10MB: 1,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  LINUX_SLL2: 276,
  LOOP: 108,
  IPV4: 228,
  IPV6: 229,
};

/** The VIM ports: Nova API, Keystone, Glance, Placement, Neutron, RabbitMQ, Nomad HTTP and RPC. */
export const defaultLiveFilter =
  'tcp and (port 8774 or port 5000 or port 35357 or port 9292 or port 8778 or port 9696 ' +
  'or port 5672 or port 4646 or port 4647)';

/** The default filter, with Nomad's HTTP API on the ports given instead of 4646 (none given: the default). */
export function liveFilterFor(nomadApiPorts: readonly number[] | undefined): string {
  if (!nomadApiPorts?.length) return defaultLiveFilter;
  return defaultLiveFilter.replace('port 4646', nomadApiPorts.map((p) => `port ${p}`).join(' or '));
}

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  setMinBytes?(n: number): void;
  on(ev: 'packet', fn: (nbytes: number, truncated: boolean) => void): void;
  close(): void;
}

/**
 * Every handle opened, kept for the life of the process: `cap`'s close stops its libuv poll handle but never
 * closes it, so a collected handle frees memory the event loop still links to (heap corruption, an abort later).
 */
const openedHandles: object[] = [];

/** Keeps an opened `cap` handle from being collected (see openedHandles); the tests that open their own use it too. */
export function retainCapHandle(handle: object): void {
  openedHandles.push(handle);
}

function loadCap(): { Cap: new () => CapHandle } {
  try {
    const require = createRequire(import.meta.url);
    return require('cap') as { Cap: new () => CapHandle };
  } catch (e) {
    throw new LiveCaptureError(
      'live capture needs the optional "cap" package, built against libpcap: install libpcap-dev (Debian: ' +
        'apt-get install libpcap-dev) ' +
        `and reinstall (npm install cap). Offline analysis works without it. (${(e as Error).message.split('\n')[0]})`,
    );
  }
}

function ifaceDrops(iface: string): number | null {
  try {
    return Number(readFileSync(`/sys/class/net/${iface}/statistics/rx_dropped`, 'utf8').trim());
  } catch {
    return null;
  }
}

export class LibpcapSource {
  private handle: CapHandle | null = null;
  private frame = 0;
  private dropsAtStart: number | null = null;
  private counters: CaptureSocketCounters | null = null;
  private wall0 = 0n;
  private mono0 = 0n;
  readonly stats: LiveStats = {
    packets: 0,
    bytes: 0,
    truncated: 0,
    ifaceDrops: null,
    pcapReceived: null,
    pcapDrops: null,
  };
  /** When the ring dropped packets (filled by readCounters). */
  readonly dropWindows = new DropWindows();
  linkType = 1;

  constructor(private readonly options: LiveOptions) {}

  /** Starts capturing; each packet goes to onRecord (bytes valid during the call only). */
  start(clock: SessionClock, onRecord: (r: PacketRecord) => void): void {
    const { Cap } = loadCap();
    const snaplen = this.options.snaplen ?? 262144;
    const buffer = Buffer.alloc(snaplen);
    const view = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
    const cap = new Cap();
    const counters = new CaptureSocketCounters();
    let dlt: string;
    try {
      dlt = cap.open(
        this.options.iface,
        this.options.filter ?? defaultLiveFilter,
        this.options.bufferBytes ?? defaultCaptureBufferBytes,
        buffer,
      );
    } catch (e) {
      const msg = (e as Error).message;
      if (/permission|Operation not permitted|EPERM/i.test(msg)) {
        throw new LiveCaptureError(
          `cannot capture on ${this.options.iface}: permission denied. Run as root or grant CAP_NET_RAW ` +
            `(setcap cap_net_raw,cap_net_admin+eip $(which node)).`,
        );
      }
      throw new LiveCaptureError(`cannot capture on ${this.options.iface}: ${msg}`);
    }
    retainCapHandle(cap);
    counters.opened();
    const lt = dltNames[dlt];
    if (lt === undefined) {
      cap.close();
      throw new LiveCaptureError(
        `interface ${this.options.iface} has link type ${dlt}, which vim-analyse does not decode`,
      );
    }
    this.linkType = lt;
    cap.setMinBytes?.(0);
    this.handle = cap;
    this.counters = counters;
    this.dropsAtStart = ifaceDrops(this.options.iface);
    // Wall clock at start plus a monotonic delta: no jumps if NTP steps the clock meanwhile.
    this.wall0 = BigInt(Date.now()) * 1_000_000n;
    this.mono0 = process.hrtime.bigint();
    this.readCounters();
    cap.on('packet', (nbytes, truncated) => {
      const ts = clock.relativeFromUnixNs(this.nowUnixNs());
      this.stats.packets++;
      this.stats.bytes += nbytes;
      if (truncated) this.stats.truncated++;
      onRecord({ ts, linkType: lt, bytes: view.subarray(0, nbytes), origLen: nbytes, iface: 0, frame: ++this.frame });
    });
  }

  /** Unix ns on the clock packets are stamped with. */
  nowUnixNs(): bigint {
    return this.wall0 + (process.hrtime.bigint() - this.mono0);
  }

  /** Reads the kernel's and the interface's drop counters into stats (and dropWindows). */
  readCounters(): LiveStats {
    if (!this.handle) return this.stats;
    const now = ifaceDrops(this.options.iface);
    this.stats.ifaceDrops = now !== null && this.dropsAtStart !== null ? now - this.dropsAtStart : null;
    const c = this.counters?.counts() ?? null;
    if (c) {
      this.stats.pcapReceived = c.received;
      this.stats.pcapDrops = c.drops;
      this.dropWindows.observe(this.nowUnixNs(), c.received, c.drops, this.stats.packets);
    } else if (this.counters?.unavailable) {
      this.stats.pcapReceived = this.stats.pcapDrops = null;
      this.stats.pcapUnavailable = this.counters.unavailable;
    }
    return this.stats;
  }

  stop(): void {
    // The capture's socket goes with close: read its counters last before.
    this.readCounters();
    this.handle?.close();
    this.handle = null;
  }
}
