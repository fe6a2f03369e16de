/** One AF_PACKET socket of this process, with its kernel counters summed since its first read. */
export interface PacketSocketStats {
  fd: number;
  /** The socket's inode: totals follow the socket, not a reused fd number. */
  inode: number;
  /** Packets that passed the socket's filter, including those dropped (tp_packets). */
  packets: number;
  /** Packets dropped because the ring or receive buffer was full (tp_drops). */
  drops: number;
  /** 3: the kernel answered with struct tpacket_stats_v3 (TPACKET_V3 ring), 1: struct tpacket_stats. */
  statsVersion: 1 | 3;
}

/** Reads (and, in the kernel, resets) the counters of every AF_PACKET socket of this process. */
export function readPacketSocketStats(): PacketSocketStats[];
