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
  /**
   * Digits after the second the time was written with (9, 6, 3, 2 …): its precision. A whr
   * duration line prints no time: it gets the last µs whr time before it (the earliest it can
   * have been printed) and that precision, or timeNs 0 and precision −1 when none came before.
   */
  precision: number;
  format: LogFormat;
  /** Instance uuid or alloc id, when the line names it. */
  id?: string;
  /** Request id (`req-…`) when the line carries one (oslo.log context). */
  requestId?: string;
  /** oslo.log's global request id (the caller's `req-…`), when it differs from `requestId`. */
  globalRequestId?: string;
  /** A sub-phase edge (`spawn.create_image` begin/end), for markers and patch lines. */
  phase?: string;
  edge?: 'begin' | 'end';
  /**
   * A duration the line reports (`Took 0.51 seconds to spawn…`, `==> create img 0.29`,
   * `Downloaded XenArtifacts … in: 40ms`), in ms, for the phase it names; `timeNs` is then
   * when it was logged (the phase's end, approximately).
   */
  durationMs?: number;
  /**
   * The source's own name for what the line says, as printed (`[buid_and_run_instance] ### START ###`,
   * `Downloaded XenArtifacts (cfg and image)`, a task event's message), for display.
   */
  label?: string;
  /** Nomad task name (task events). */
  task?: string;
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

/**
 * Every line lands in exactly one of used / malformed / unrecognised / `lines − (the three)`
 * (recognised but saying nothing timed). `byFormat` counts lines per format; a line holding a
 * vimts marker inside an oslo or Go-log line counts for both formats.
 */
export interface LogCounters {
  lines: number;
  /** Lines that produced at least one event. */
  used: number;
  /** Lines in a known format that did not parse (bad time, bad field). */
  malformed: number;
  /** Lines not in any format we read (counted, not fatal). */
  unrecognised: number;
  byFormat: Partial<Record<LogFormat, number>>;
  /** Lines longer than the bound: their start was read, the rest skipped. */
  cutLines?: number;
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

export interface ParseLogOptions {
  /**
   * Offset from UTC, in minutes, of the wall-clock times written without a zone (oslo.log,
   * Go `log`, hclog without offset). Default 0: the logs are read as UTC.
   */
  utcOffsetMinutes?: number;
  /** At most this many warnings kept per file (the rest are counted in a last warning). Default 50. */
  maxWarnings?: number;
  /** Stop reading (readLog rejects with the signal's reason). */
  signal?: AbortSignal;
}
