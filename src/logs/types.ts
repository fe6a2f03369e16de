/**
 * Logs stage: compute-host log lines → timed log events. Times stay on the clock of the
 * host that wrote them (Unix ns as bigint); the timeline aligns them to the capture clock.
 */

export type LogFormat = 'vimts' | 'oslo' | 'nomad-go' | 'nomad-hclog' | 'nomad-json' | 'whr';

/** One timed thing a log line says. */
export interface LogEvent {
  /** Host whose clock stamped it (from `host=`, the file's `HOST=` prefix, or the content). */
  host: string;
  /** Unix ns on that host's clock. */
  timeNs: bigint;
  /** Digits after the second the time was written with (9, 6, 3, 2 …): its precision. */
  precision: number;
  format: LogFormat;
  /** Instance uuid or alloc id, when the line names it. */
  id?: string;
  /** Request id (`req-…`) when the line carries one (oslo.log context). */
  requestId?: string;
  /** A sub-phase edge (`spawn.create_image` begin/end), for markers and patch lines. */
  phase?: string;
  edge?: 'begin' | 'end';
  /**
   * A duration the line reports (`Took 0.51 seconds to spawn…`, `==> create img 0.29`,
   * `Downloaded XenArtifacts … in: 40ms`), in ms, for the phase it names; `timeNs` is then
   * when it was logged (the phase's end, approximately).
   */
  durationMs?: number;
  /** Source file and 1-based line number. */
  file: string;
  line: number;
}

export interface LogWarning {
  stage: 'logs';
  file: string;
  line?: number;
  message: string;
}

export interface LogCounters {
  lines: number;
  /** Lines that produced at least one event. */
  used: number;
  /** Lines in a known format that did not parse (bad time, bad field). */
  malformed: number;
  /** Lines not in any format we read (counted, not fatal). */
  unrecognised: number;
  byFormat: Partial<Record<LogFormat, number>>;
}

export interface ParsedLog {
  file: string;
  host: string;
  /** Formats detected in this file. */
  formats: LogFormat[];
  events: LogEvent[];
  counters: LogCounters;
  warnings: LogWarning[];
}
