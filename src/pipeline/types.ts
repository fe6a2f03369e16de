/**
 * The analysis as the library returns it: DESIGN.md's result contract (schema
 * `vim-analyse/1`). Times are ISO 8601 strings on the capture clock, durations ms.
 */
import type { Vim, VimMessage } from '../dissectors/types.js';
import type { StatsByVim } from '../stats/types.js';
import type { PhaseSource } from '../timeline/types.js';

export interface ResultPhase {
  ms: number;
  start: string;
  end: string;
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
  keys: { server?: string; request?: string; job?: string; eval?: string; alloc?: string };
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
  source: string;
}

export interface ResultDiagnosis {
  kind: 'dominant' | 'timer' | 'batching' | 'queueing' | 'outlier';
  phase: string;
  host?: string;
  periodMs?: number;
  windowMs?: number;
  text: string;
  evidence: unknown;
}

export interface ResultCapture {
  file: string;
  format: string;
  gzip: boolean;
  packets: number;
  start: string | null;
  end: string | null;
  /** Where it was taken, inferred from its connections. */
  vantage: { kind: string; observers: string[]; seenThroughPeer: string[]; text: string };
}

/** Per VIM and phase: in how many requests it was exact, approximate or unavailable. */
export type PhaseAvailability = Record<string, Record<string, { exact: number; approx: number; absent: number; substitutes: string[] }>>;

export interface AnalysisResult {
  schema: 'vim-analyse/1';
  captures: ResultCapture[];
  vims: Vim[];
  requests: ResultRequest[];
  stats: StatsByVim;
  clocks: Record<string, ResultClock>;
  diagnosis: ResultDiagnosis[];
  /** What this capture can measure: per VIM and phase, exact / approx / absent counts. */
  availability: PhaseAvailability;
  counters: Record<string, unknown>;
  warnings: string[];
}

/** `messages --json`: VimMessage with its time as ISO 8601. */
export type MessageLine = Omit<VimMessage, 't'> & { t: string };
