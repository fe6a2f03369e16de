/**
 * What an analysis session takes and gives: its options with their defaults, and its output.
 * Apart from `AnalysisSession` so that the CLI's help can name the defaults without loading
 * every stage.
 */
import type { ResultCounters, Vantage } from '../result/types.js';
import type { SessionClock } from '../capture/sessionClock.js';
import type { CaptureSummary } from '../capture/types.js';
import type { NetCounters, ReassemblyLimits } from '../net/types.js';
import type { ProtocolLimits } from '../protocols/types.js';
import type { TlsKeyLog } from '../protocols/tls/keyLog.js';
import type { TlsConnectionSummary } from '../protocols/tls/types.js';
import type { MessageTable, Vim } from '../dissectors/types.js';
import type { ParsedLog } from '../logs/types.js';
import type { ClockEstimate, RequestTimeline } from '../timeline/types.js';

export interface SessionOptions {
  /** Only this VIM (default: whichever the capture holds). */
  vim?: Vim;
  /**
   * Ports Nomad's HTTP API listens on (default 4646): an exchange under /v1/ there is Nomad's
   * without other evidence.
   */
  nomadApiPorts?: number[];
  limits?: Partial<ProtocolLimits>;
  reassembly?: Partial<ReassemblyLimits>;
  /** Known clock offsets (ms, host clock − capture clock) by host, overriding estimates. */
  clockOffsets?: Record<string, number>;
  /** Requests still open kept at most (default 50,000); the oldest are given up past it. */
  maxOpenRequests?: number;
  /** Compute-host logs (read with readLog) merged into the timelines at finish(). */
  logs?: ParsedLog[];
  /**
   * Live with logs: a request complete on the wire is handed out this long (ns) later, as
   * a compute host logs its last markers just after the message that completes the request.
   */
  logGraceNs?: number;
  /** Warnings kept in the result (all are counted). */
  maxWarnings?: number;
  onProgress?: (bytesRead: number) => void;
  /** Stop reading: the call rejects with the signal's reason (an AbortError unless one was given). */
  signal?: AbortSignal;
  /** Note the frame of each message's first byte (`messages`; costs ~16 bytes per TCP segment with payload). */
  frameNumbers?: boolean;
  /** Streaming: called with each request as soon as it is complete (and the rest at finish). */
  onRequest?: (r: RequestTimeline) => void;
  /** Keep every message for `messages` (default true; live sessions turn it off). */
  keepMessages?: boolean;
  /**
   * Messages kept at most for the diagnosis and `messages` (default 300,000: about 30 MB
   * in the log, more while the diagnosis reads them); past it the rest are counted and
   * the requests they belong to named in a warning. Timelines never depend on it.
   */
  maxMessages?: number;
  /**
   * Live sessions: forget a request's state once it is handed out (memory stays bounded
   * over hours); finish() then returns the handed-out timelines plus the rest.
   */
  releaseEmitted?: boolean;
  /**
   * Live services: released requests are kept for the final result only this long (capture
   * ns after they were handed out); older ones are forgotten, counted, so memory stays flat.
   */
  retainReleasedNs?: number;
  /** Secrets to open TLS connections with (NSS key log, see readTlsKeyLog); never printed. */
  tlsKeyLog?: TlsKeyLog;
  /**
   * Threads that parse a capture file's connections (default 1: this thread alone); the
   * result is the same for any number (parallelCapture.ts).
   */
  workers?: number;
  /**
   * Also keep the proxy → backend leg of each call seen through a reverse proxy as a
   * message of its own (`leg: 'backend'`); by default a call is one message, on the caller's leg.
   */
  legs?: boolean;
}

export interface CaptureRecord {
  file: string;
  summary: CaptureSummary;
  net: NetCounters;
  vantage: Vantage;
}

export interface SessionOutput {
  clock: SessionClock;
  captures: CaptureRecord[];
  /** Every kept message, in time order of its first byte. */
  messages: MessageTable;
  requests: RequestTimeline[];
  vims: Vim[];
  clocks: Record<string, ClockEstimate>;
  counters: ResultCounters;
  warnings: string[];
  /** Every TLS connection seen (up to maxTlsConnections), decrypted or not. */
  tls: TlsConnectionSummary[];
}

/** Messages kept by default (about 100 bytes each in the log, ids included). */
export const defaultMaxMessages = 300_000;
