/** Live stage: an interface → packet records → the same session as offline analysis. */

export interface LiveOptions {
  iface: string;
  /** BPF filter; default: the VIM ports (see defaultLiveFilter). */
  filter?: string;
  /** Capture buffer (libpcap ring) in bytes. */
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
}

/** Thrown when live capture cannot start (no libpcap binding, no permission, no interface). */
export class LiveCaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}
