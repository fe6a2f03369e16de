/** Live stage: an interface → packet records → the same session as offline analysis. */

export interface LiveOptions {
  iface: string;
  /** BPF filter; default: the VIM ports (see defaultLiveFilter). */
  filter?: string;
  /**
   * Capture buffer (libpcap ring) in bytes. In immediate mode (which `cap` uses) libpcap
   * gives every packet a slot of the snap length cap sets, 64 KiB on an interface that
   * offloads segmentation, so 32 MiB holds only ~500 packets.
   */
  bufferBytes?: number;
  /** Snap length kept per packet. */
  snaplen?: number;
}

export interface LiveStats {
  packets: number;
  bytes: number;
  /** Packets cut to the snap length. */
  truncated: number;
  /** Interface receive drops during the session (/sys/class/net/IFACE/statistics/rx_dropped), when readable. */
  ifaceDrops: number | null;
  /**
   * Packets that passed the capture filter in the kernel, those dropped included (libpcap's
   * ps_recv: PACKET_STATISTICS tp_packets); null when the counters cannot be read (see
   * pcapUnavailable).
   */
  pcapReceived: number | null;
  /** Of those, dropped because the capture ring was full (libpcap's ps_drop: tp_drops). */
  pcapDrops: number | null;
  /** Why pcapReceived and pcapDrops are null. */
  pcapUnavailable?: string;
}

/** Thrown when live capture cannot start (no libpcap binding, no permission, no interface). */
export class LiveCaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}
