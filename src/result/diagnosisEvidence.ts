/**
 * What each diagnosis statement rests on: `diagnosis[].evidence`, one shape per `kind`
 * (the detectors in src/diagnosis/ fill them). Times are ISO 8601 on the capture clock, each
 * with its `…UnixNs` companion (Unix ns, a decimal string); durations ms, named `ms` or
 * `…Ms`; a message is named by a MessageRef.
 */

/** How far a statement can be trusted: said in the text and in the evidence. */
export type Confidence = 'high' | 'medium' | 'low';

/** A message named in evidence: its index in the analysis' message list and what it was. */
export interface MessageRef {
  msg: number;
  t: string;
  tUnixNs: string;
  name: string;
  src: string;
  dst: string;
  ms: number | null;
}

/** One phase takes most of the time. */
export interface DominantEvidence {
  confidence: Confidence;
  vim: string;
  /** The phase it is a share of (`total`, or the parent of a sub-phase). */
  of: string;
  n: number;
  meanMs: number;
  meanOfWholeMs: number;
  share: number;
  shareCi95: [number, number];
  minMs: number;
  /** The whole's mean if this phase always took its minimum. */
  whatIfMeanOfWholeMs: number;
  runnerUp: { phase: string; share: number; shareCi95: [number, number] } | null;
  slowest: { request: string; ms: number; start: string; startUnixNs: string; end: string; endUnixNs: string } | null;
}

/** A sender's messages fitted to a fixed grid (diagnosis/periodicity.ts), and the stream's first and last. */
export interface GridFit {
  periodMs: number;
  gridPoint: string;
  gridPointUnixNs: string;
  messages: number;
  distinctTicks: number;
  rayleighR: number;
  onGridFraction: number;
  jitterMs: number;
  falseAlarm: number;
  first: MessageRef;
  last: MessageRef;
}

/** A phase ends on a sender's periodic timer. */
export interface TimerEvidence {
  confidence: Confidence;
  vim: string;
  message: string;
  /** `send`: the request's first byte, by its sender; `release`: the reply's last byte. */
  edge: 'send' | 'release';
  hostsSending: number;
  grid: GridFit & { phaseMs: number; carryingSeveralRequests: number };
  waits: {
    n: number;
    meanMs: number;
    meanOverPeriod: number;
    minMs: number;
    maxMs: number;
    withinPeriodFraction: number;
    ksD: number;
    ksP: number;
    phaseEndsOnGrid: number;
  };
  examples: { request: string; waitMs: number; start: string; startUnixNs: string; message: MessageRef }[];
}

/** A phase starts with an agent's report that follows its periodic scan (a polling loop). */
export interface PollingLoopEvidence {
  confidence: Confidence;
  vim: string;
  loop: 'polling';
  /** What the agent is (`neutron agent`). */
  role: string;
  /** The agent's per-scan calls, and the report that starts the phase. */
  scans: readonly string[];
  report: string;
  grid: GridFit;
  /** Requests whose report follows a scan on the grid, of those with the phase; mean scan → report. */
  gated: { n: number; of: number; meanScanToReportMs: number };
  /** From a log phase's start to the scan; `exact` when that log phase is the wait itself. */
  waits: {
    from: string;
    exact: boolean;
    n: number;
    meanMs: number;
    minMs: number;
    maxMs: number;
    meanOverPeriod: number;
    ksD: number;
    ksP: number;
  } | null;
  /** How much of the enclosing log phase (`spawn.libvirt_spawn`) was spent waiting. */
  share: { part: string; n: number; meanMs: number; ofMs: number; ratio: number } | null;
  /** Mean total had the agent reported at once; `measured` false: half a period assumed. */
  whatIf: { meanTotalMs: number; savingMs: number; totalMs: number; measured: boolean };
  examples: { request: string; scan: MessageRef; scanToReportMs: number; waitMs: number | null }[];
}

/** A sender holds events and sends several requests' events in one message. */
export interface EventBatchingEvidence {
  vim: string;
  batch: 'events';
  message: string;
  posts: number;
  carryingSeveral: number;
  serversPerPost: { min: number; max: number; mean: number };
  examples: MessageRef[];
}

/** A server holds replies and releases them together. */
export interface BatchingEvidence {
  confidence: Confidence;
  vim: string;
  message: string;
  replies: number;
  releases: number;
  windowMs: number;
  windowP10Ms: number;
  windowP90Ms: number;
  windowSpread: number;
  multiRequestReleases: number;
  coReleasedFraction: number;
  example: {
    release: string;
    releaseUnixNs: string;
    firstArrival: string;
    firstArrivalUnixNs: string;
    held: MessageRef[];
    releasedWith: MessageRef[];
  };
}

/** A phase grows with the number of requests in flight. */
export interface QueueingEvidence {
  confidence: Confidence;
  vim: string;
  maxInFlight: number;
  measure: string;
  alpha: number;
  phases: {
    phase: string;
    n: number;
    rho: number;
    p: number;
    adjustedP: number;
    significant: boolean;
    meanMs: number;
    baselineMs: number;
    excessMs: number;
    byInFlight: Record<string, { n: number; meanMs: number }>;
  }[];
  longest: { request: string; ms: number; start: string; startUnixNs: string; inFlight: number }[];
}

/** One request took far longer than the rest. */
export interface OutlierEvidence {
  confidence: Confidence;
  vim: string;
  request: string;
  keys: { server?: string; request?: string; job?: string; eval?: string; alloc?: string };
  totalMs: number;
  p95Ms: number;
  requestsAboveP95: number;
  medianTotalMs: number;
  phase: {
    name: string;
    ms: number;
    medianMs: number;
    excessMs: number;
    start: string;
    startUnixNs: string;
    end: string;
    endUnixNs: string;
  };
  phases: { phase: string; ms: number; medianMs: number; excessMs: number }[];
  longExchanges: (MessageRef & { usualMs: number; ofRequest: boolean })[];
  longestSilence: { ms: number; from: string; fromUnixNs: string; to: string; toUnixNs: string };
  /** Retransmissions, gaps, resets meanwhile, by kind. */
  wireEvents: Record<string, number>;
  timer: { periodMs: number; host: string } | null;
}

/** A reverse proxy's own time on the calls it passed to one backend (calls seen on both legs). */
export interface ProxyEvidence {
  confidence: Confidence;
  vim: string;
  proxy: string;
  backend: string;
  calls: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** Median of each call's proxy time over the call's whole time (caller's leg). */
  medianShare: number;
  slowest: (MessageRef & { proxyMs: number })[];
}
