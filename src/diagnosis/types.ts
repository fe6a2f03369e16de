/**
 * Diagnosis stage: requests + messages + statistics → short, evidence-backed statements
 * about why the time goes where it goes (DESIGN.md result contract, `diagnosis`).
 *
 * Every detector is a pure function of the data it is given: nothing is said from an
 * expectation about a particular VIM or version, only from what the wire shows.
 */
import type { MessageTable } from '../dissectors/types.js';
import type { ResultDiagnosis } from '../result/types.js';
import type { StatsByVim } from '../stats/types.js';
import type { RequestTimeline } from '../timeline/types.js';

export type { ResultDiagnosis };

/** Something the net stage saw at a moment (optional: detectors use it when given). */
export interface WireEvent {
  /** Relative ns. */
  t: number;
  kind: 'retransmission' | 'gap' | 'reset' | string;
  /** `ip:port` endpoints or a connection id, when known. */
  src?: string;
  dst?: string;
  conn?: number;
  /** Bytes concerned (e.g. a gap's size), when known. */
  bytes?: number;
}

export interface DiagnosisInput {
  requests: RequestTimeline[];
  /** Every decoded exchange; a message's id in evidence is its index in this array. */
  messages: MessageTable;
  stats: StatsByVim;
  /** Per VIM, the phases that follow each other from first milestone to last (sum = total). */
  sequences: Record<string, readonly string[]>;
  /** Per VIM, a sub-phase's parent (default: `a.b` is a child of `a`). */
  parents?: Record<string, Record<string, string>>;
  /** Retransmissions, gaps, resets with their times, when the net stage supplies them. */
  wireEvents?: WireEvent[];
  /** Prints a relative-ns time in evidence (default: `+S.ssssss s` since the session epoch). */
  formatTime?: (ns: number) => string;
  /** The same time as Unix ns, a decimal string, to formatTime's digits (default: the relative ns). */
  formatUnixNs?: (ns: number) => string;
}

export type { Confidence, MessageRef } from '../result/diagnosisEvidence.js';
import type { MessageRef } from '../result/diagnosisEvidence.js';

/** What the detectors share: the input plus a few prepared views of it. */
export interface DiagnosisContext {
  input: DiagnosisInput;
  time: (ns: number) => string;
  /** `time`'s instant as Unix ns (the evidence's `…UnixNs` companions). */
  unixNs: (ns: number) => string;
  ref: (index: number) => MessageRef;
}
