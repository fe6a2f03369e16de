/** Live stage: an interface → packet records → the same session as offline analysis. */
import type { Vim } from '../dissectors/types.js';
import type { NetCounters } from '../net/types.js';
import type { ProtocolCounters } from '../protocols/types.js';
import type { LiveCounters } from '../result/types.js';

/** The capture ring's size when none is given (tcpdump's -B is in KiB of it). */
export const defaultCaptureBufferBytes = 32 * 1024 * 1024;

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

/** What the capture source counts itself; `counters.live` adds what the session knows (OTLP, logs, snap length). */
export type LiveStats = Pick<
  LiveCounters,
  'packets' | 'bytes' | 'truncated' | 'ifaceDrops' | 'pcapReceived' | 'pcapDrops' | 'pcapUnavailable'
>;

/** Thrown when live capture cannot start (no libpcap binding, no permission, no interface). */
export class LiveCaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}

/** What the session counts, read at each update. */
export interface LiveCountsSnapshot {
  live: LiveStats;
  protocols: ProtocolCounters;
  net: NetCounters;
  open: Record<Vim, number>;
  /** Requests given up at the open-request limit. */
  givenUp: number;
  /** Spans the OTLP push dropped (queue full or retries exhausted); null without --otlp-endpoint. */
  otlpDropped?: number | null;
}

export interface OtlpPushOptions {
  /** Full URL of the traces endpoint, e.g. http://collector:4318/v1/traces. */
  url: string;
  /** Spans held while waiting to be sent (default 20,000). */
  maxQueueSpans?: number;
  /** Spans per request body at most (default 512; a request's spans never split). */
  maxBatchSpans?: number;
  /** How long a span waits for a fuller batch (default 1000 ms). */
  flushMs?: number;
  /** Backoff after a failure: first wait, cap (default 500 ms, 30 s; doubled, ±20% jitter). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Told once per change of state (failing, recovered, rejected batch): for the operator's log. */
  onNotice?: (text: string) => void;
}

export interface OtlpPushStats {
  /** Spans the endpoint accepted. */
  sent: number;
  /** Spans dropped: queue full, or a batch the endpoint rejected as malformed (4xx other than 429). */
  dropped: number;
  queued: number;
  /** Failed sends retried. */
  retries: number;
  lastError: string | null;
}
