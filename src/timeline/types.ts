/**
 * Timeline stage: typed VIM events (+ log events) → one request per VM start, with phases.
 *
 * A correlator per VIM turns events into milestone observations per request; the phase
 * model (a table per VIM, see phaseModel.ts) turns milestones into phases. Times are
 * relative ns on the capture clock (see SessionClock).
 */
import type { Vim } from '../dissectors/types.js';

export type PhaseSource = 'capture' | 'log' | 'client-clock';

/** One observation of a milestone. */
export interface MilestoneObservation {
  /** Relative ns, on the capture clock (client-clock and log times already aligned). */
  t: number;
  source: PhaseSource;
  /** The host (address or name) where this observation was made or that the event names. */
  host: string;
  /** For client-clock/log times: the raw time on that host's clock, relative ns. */
  rawT?: number;
}

/** Milestones of one request, by observation name (e.g. `select.reply.deliver`). */
export type MilestoneSet = Map<string, MilestoneObservation>;

/** A milestone names the observations that can stand for it, preferred first. */
export interface MilestoneDef {
  name: string;
  /** Observation names in order of preference; any but the first makes the phase `approx`. */
  observations: string[];
  /** What is missing when none is observed (goes into the request's `missing` list). */
  missing: string;
}

/** One row of a VIM's phase model: a phase is the interval between two milestones. */
export interface PhaseDef {
  name: string;
  from: string;
  to: string;
  /** Sub-phases name their parent; they nest inside it and do not add up to total. */
  parent?: string;
  /** Reason given when this phase cannot be measured (else the missing milestone's text). */
  absentReason?: string;
  /** Optional phases (sub-phases) do not make a request incomplete. */
  optional?: boolean;
  /** When absent and this observation was never made, the reason is this one instead. */
  absentUnless?: { observation: string; reason: string };
}

export interface PhaseModel {
  vim: Vim;
  milestones: MilestoneDef[];
  phases: PhaseDef[];
  /** Phases that follow each other from the first milestone to the last (sum = total). */
  sequence: string[];
}

export interface PhaseValue {
  /** Duration in ms. */
  ms: number;
  startNs: number;
  endNs: number;
  source: PhaseSource;
  host: string;
  /** Set when a substitute observation was used: names it. */
  approx?: string;
}

export interface RequestKeys {
  server?: string;
  request?: string;
  /** The boot's Neutron port (its first), when it got one. */
  port?: string;
  job?: string;
  eval?: string;
  alloc?: string;
}

export interface RequestTimeline {
  vim: Vim;
  /** Server uuid (Nova) or alloc id (Nomad). */
  id: string;
  keys: RequestKeys;
  complete: boolean;
  missing: string[];
  phases: Record<string, PhaseValue>;
  /** Phases that could not be measured, with the reason. */
  absent: Record<string, string>;
  /** Relative ns of the request's first milestone (for ordering). */
  startNs: number;
  /** Notes (ambiguities, substitutes, limits hit). */
  notes: string[];
}

export interface ClockEstimate {
  /** That host's clock minus the capture clock, ms. */
  offsetMs: number;
  /** Half-width of the interval the true offset lies in, ms. */
  uncertaintyMs: number;
  source: string;
  /** Number of causal constraints behind the estimate. */
  constraints: number;
  /** The addresses this host's messages came from, when a log's host name was joined to them. */
  addresses?: string[];
}

/** A request as the log merge sees it: the milestones log events may join, and its notes. */
export interface LogTarget {
  vim: Vim;
  id: string;
  milestones: MilestoneSet;
  notes: string[];
}
