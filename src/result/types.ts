/**
 * What the library returns: DESIGN.md's result contract (schema `vim-analyse/2`), and the
 * `info` and `compare` results. A leaf of the stage graph: diagnosis/, report/ and pipeline/
 * import it; it imports only other stages' types. Times are ISO 8601 strings on the capture
 * clock, each with a `…UnixNs` companion (Unix ns, a decimal string); durations are ms,
 * named `ms` or `…Ms` (docs/output-schema.md).
 */
import type { CaptureSummary } from '../capture/types.js';
import type { Vim, VimMessage } from '../dissectors/types.js';
import type { NetCounters } from '../net/types.js';
import type { LogCounters, LogFormat } from '../logs/types.js';
import type { GuessedProtocol } from '../protocols/guessProtocol.js';
import type { PhaseComparison, StatsByVim } from '../stats/types.js';
import type { PhaseSource } from '../timeline/types.js';
import type {
  BatchingEvidence,
  DominantEvidence,
  EventBatchingEvidence,
  OutlierEvidence,
  PollingLoopEvidence,
  ProxyEvidence,
  QueueingEvidence,
  TimerEvidence,
} from './diagnosisEvidence.js';

export interface ResultPhase {
  ms: number;
  start: string;
  end: string;
  /** `start` and `end` as Unix ns (decimal strings, the same digits): exact where Date.parse keeps ms. */
  startUnixNs: string;
  endUnixNs: string;
  source: PhaseSource;
  host: string;
  /** Present (true) when a substitute observation was used; `substitute` names it. */
  approx?: true;
  substitute?: string;
}

/** A result's requests made one at a time when asked for, so they need not all exist at once. */
export interface ResultRequestList {
  readonly length: number;
  at(i: number): ResultRequest;
}

export interface ResultRequest {
  vim: Vim;
  id: string;
  keys: { server?: string; request?: string; port?: string; job?: string; eval?: string; alloc?: string };
  complete: boolean;
  missing: string[];
  /** Why the missing milestones are missing, when the capture says (e.g. its vantage point). */
  reason?: string;
  phases: Record<string, ResultPhase>;
  /** Phases that could not be measured, with the reason. */
  absent: Record<string, string>;
  notes?: string[];
}

export interface ResultClock {
  offsetMs: number;
  uncertaintyMs: number;
  /** What bounded the offset, each source with the address it was observed at. */
  source: string;
  /** The addresses this host's messages came from (a log host joined to its traffic). */
  addresses?: string[];
}

/** What every diagnosis statement has. */
export interface DiagnosisBase {
  phase: string;
  text: string;
}

/** One evidence-backed statement; `evidence`'s shape follows `kind`. */
export type ResultDiagnosis =
  | (DiagnosisBase & { kind: 'dominant'; evidence: DominantEvidence })
  | (DiagnosisBase & { kind: 'timer'; host: string; periodMs: number; evidence: TimerEvidence | PollingLoopEvidence })
  | (DiagnosisBase & {
      kind: 'batching';
      host: string;
      windowMs: number;
      evidence: BatchingEvidence | EventBatchingEvidence;
    })
  | (DiagnosisBase & { kind: 'queueing'; evidence: QueueingEvidence })
  | (DiagnosisBase & { kind: 'outlier'; evidence: OutlierEvidence })
  | (DiagnosisBase & { kind: 'proxy'; host: string; evidence: ProxyEvidence });

export interface ResultCapture {
  file: string;
  format: string;
  gzip: boolean;
  packets: number;
  start: string | null;
  end: string | null;
  /** `start` and `end` as Unix ns (decimal strings). */
  startUnixNs: string | null;
  endUnixNs: string | null;
  /** Where it was taken, inferred from its connections. */
  vantage: { kind: string; observers: string[]; seenThroughPeer: string[]; text: string };
}

/** Per VIM and phase: in how many requests it was exact, approximate or unavailable. */
export type PhaseAvailability = Record<
  string,
  Record<string, { exact: number; approx: number; absent: number; substitutes: string[] }>
>;

/** A TLS connection as the result lists it (no secret is part of it). */
export interface ResultTlsConnection {
  client: string;
  server: string;
  serverName: string | null;
  version: string | null;
  cipherSuite: string | null;
  decrypted: boolean;
  reason?: string;
  records: { plain: number; decrypted: number; failed: number; undecrypted: number };
  applicationBytes: [number, number];
  firstApplication: string | null;
  /** `firstApplication` as Unix ns (a decimal string). */
  firstApplicationUnixNs: string | null;
  lastApplication: string | null;
  lastApplicationUnixNs: string | null;
}

export interface ResultTls {
  connections: ResultTlsConnection[];
}

export interface AnalysisResult {
  schema: 'vim-analyse/2';
  captures: ResultCapture[];
  vims: Vim[];
  requests: ResultRequest[];
  stats: StatsByVim;
  clocks: Record<string, ResultClock>;
  diagnosis: ResultDiagnosis[];
  /** What this capture can measure: per VIM and phase, exact / approx / absent counts. */
  availability: PhaseAvailability;
  counters: ResultCounters;
  warnings: string[];
  /** Present when the capture held TLS connections: which, and whether they were opened. */
  tls?: ResultTls;
}

/** A merged log file: its timed events with an id, and how many joined a request. */
export interface LogFileCounters {
  file: string;
  host: string;
  events: number;
  joined: number;
  related: boolean;
  counters?: LogCounters;
  formats?: LogFormat[];
}

/** The study's whr prints: build blocks joined to requests by time, checked against vimts markers. */
export interface WhrFileCounters {
  file: string;
  whrBlocks: number;
  joined: number;
  ambiguous: { block: number; requests: string[] }[];
  unmatched: number;
  crossCheck: { phases: number; maxAbsDiffMs: number; against: string } | null;
}

/** `counters`: what each stage counted (docs/output-schema.md). */
export interface ResultCounters {
  /** Per capture: records skipped, damaged, cut short. */
  capture: CaptureSummary['counters'][];
  /** Per capture (merged captures share one, with `mergedDuplicates`). */
  net: (NetCounters & { mergedDuplicates?: number })[];
  /** Per protocol (and `connections` by protocol): named counts, limits hit included. */
  protocols: Record<string, Record<string, number>>;
  /** oslo.messaging correlation: publishes, deliveries, replies joined or not. */
  oslo: Record<string, number>;
  /** Reverse-proxy legs: calls paired, backend legs alone, those whose caller's leg was undecrypted TLS. */
  proxy: { paired: number; backendAlone: number; heldOverLimit: number; backendLegsOfEncryptedCalls: number };
  /** Decoded messages by kind. */
  messages: { novaHttp: number; novaRpc: number; nomadHttp: number; nomadRpc: number; otherHttp: number };
  logs: (LogFileCounters | WhrFileCounters)[];
  /** All warnings, including those past the kept list. */
  warnings: number;
  /** Requests given up at the open-request limit. */
  requestsGivenUp: number;
  /** Messages past the message limit (not in the diagnosis or `messages`). */
  messagesNotKept: number;
  /** Live capture only: what the capture saw and dropped (live's LiveStats and the session's additions). */
  live?: LiveCounters;
}

/** What a live capture saw and dropped: `counters.live`, and each `summary` event's `live`. */
export interface LiveCounters {
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
  /** With --otlp-endpoint: spans sent, dropped, still queued, retried; the last error. */
  otlp?: { sent: number; dropped: number; queued: number; retries: number; lastError: string | null };
  /** With --logs: each followed log's rotations, truncations, bytes and lines read. */
  logs?: { file: string; rotations: number; truncations: number; bytes: number; lines: number }[];
}

/**
 * A request handed out before the end (analyseStream, `live --json`): `provisional` names
 * its phases placed with a host-clock estimate that may still move; if they do, an
 * `update` follows.
 */
export interface RequestEvent {
  type: 'request';
  request: ResultRequest;
  provisional: string[];
}

/** The final form of a request handed out earlier that changed since. */
export interface UpdateEvent {
  type: 'update';
  request: ResultRequest;
}

/** Last: the whole result. */
export interface ResultEvent {
  type: 'result';
  result: AnalysisResult;
}

/** `live --json`'s rolling summary: the requests handed out so far, their statistics, the capture's counters. */
export interface SummaryEvent {
  type: 'summary';
  requests: number;
  stats: StatsByVim;
  live: LiveCounters;
}

/** analyseStream's events. */
export type AnalyseStreamEvent = RequestEvent | UpdateEvent | ResultEvent;

/** One line of `live --json` (stream-event.schema.json): analyseStream's events and the rolling summaries. */
export type StreamEvent = AnalyseStreamEvent | SummaryEvent;

/** `messages --json`: VimMessage with its time as ISO 8601. */
export type MessageLine = Omit<VimMessage, 't'> & {
  t: string;
  /** `t` as Unix ns (a decimal string). */
  tUnixNs: string;
  /** `messages` only: the request (server uuid or alloc id) the message's ids name, when exactly one. */
  request?: string;
};

/** Where a capture was taken, inferred from its connections (pipeline/vantage.ts). */
export interface Vantage {
  /** `single-host`: every connection has this host as an end; `shared-segment`: no such host. */
  kind: 'single-host' | 'shared-segment' | 'empty';
  /** The observing host(s): the address(es) at an end of every connection. */
  observers: string[];
  /** Hosts seen only through their connections with an observer (their other traffic is not here). */
  seenThroughPeer: string[];
  text: string;
}

/** `vim-analyse info`: one row per TCP connection. */
export interface ConnectionRow {
  id: number;
  client: string;
  server: string;
  protocol: GuessedProtocol;
  /** Relative start and duration, ms. */
  startMs: number;
  durationMs: number;
  packets: [number, number];
  bytes: [number, number];
  gaps: [number, number];
  gapBytes: [number, number];
  retransmissions: [number, number];
  outOfOrder: [number, number];
  handshake: boolean;
  closed: string | null;
  /** A TLS connection's hellos: server name (SNI), negotiated version and cipher suite. */
  tls?: { serverName: string | null; version: string | null; cipherSuite: string | null };
}

export interface CaptureInfo {
  schema: 'vim-analyse-info/2';
  file: string;
  format: string;
  gzip: boolean;
  linkTypes: { linkType: number; name: string; packets: number }[];
  /** Packets taken out of each tunnel or encapsulation (VXLAN, GRE, MPLS, …). */
  encapsulations: { name: string; packets: number }[];
  packets: number;
  capturedBytes: number;
  fileBytes: number;
  start: string | null;
  end: string | null;
  /** `start` and `end` as Unix ns (decimal strings). */
  startUnixNs: string | null;
  endUnixNs: string | null;
  durationMs: number;
  tsPrecision: number;
  capture: CaptureSummary['counters'];
  net: NetCounters;
  connections: ConnectionRow[];
  vantage: Vantage;
  warnings: string[];
}

/** `vim-analyse compare A B`. */
export interface ComparisonResult {
  schema: 'vim-analyse-compare/2';
  labels: [string, string];
  /** Per VIM present in both: one row per phase, b − a. */
  comparisons: Record<string, PhaseComparison[]>;
  results: [AnalysisResult, AnalysisResult];
}
