/**
 * The optional native addon `vim-analyse-packet-stats` (native/packet-stats): the kernel's
 * counters of this process's AF_PACKET sockets, what libpcap's pcap_stats() would read.
 * `cap` never calls pcap_stats, so without it ring drops go unseen. Linux only, built at
 * install where a C compiler is present; live capture works without it, reporting the
 * drops as unknown.
 */
import { createRequire } from 'node:module';

export interface PacketSocketStats {
  fd: number;
  /** Totals follow the socket (its inode), not a reused fd number. */
  inode: number;
  /** Packets that passed the socket's filter, dropped ones included (tp_packets); running total. */
  packets: number;
  /** Packets dropped because the ring was full (tp_drops); running total. */
  drops: number;
  statsVersion: 1 | 3;
}

export type ReadPacketSocketStats = () => PacketSocketStats[];

/** The addon's reader, or why it cannot be had. */
export function loadPacketSocketStats(): ReadPacketSocketStats | { unavailable: string } {
  try {
    const require = createRequire(import.meta.url);
    const addon = require('vim-analyse-packet-stats') as { readPacketSocketStats: ReadPacketSocketStats };
    addon.readPacketSocketStats();
    return addon.readPacketSocketStats;
  } catch (e) {
    return {
      unavailable:
        'the optional vim-analyse-packet-stats addon (native/packet-stats, Linux, built by npm install where ' +
        'a C compiler is present) ' +
        `is not usable: ${(e as Error).message.split('\n')[0]}`,
    };
  }
}
