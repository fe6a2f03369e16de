/**
 * The session's log merging: compute-host logs joined to the requests through mergeLogs, at
 * the three moments a session does it — provisionally for requests streamed offline, into
 * the drafts themselves live, and once at the end, which also gives the per-file summary.
 */
import type { SessionClock } from '../capture/sessionClock.js';
import type { ParsedLog } from '../logs/types.js';
import { roundMs } from '../stats/roundMs.js';
import type { ResultCounters } from '../result/types.js';
import { mergeLogs } from '../timeline/mergeLogs.js';
import type { ClockEstimate, LogTarget } from '../timeline/types.js';

/** What every merge reads: the logs, the session clock and the offsets given by the user. */
export interface LogMergeInput {
  logs: readonly ParsedLog[];
  clock: SessionClock;
  clockOffsets?: Record<string, number>;
}

/**
 * Streaming offline: copies of every draft handed out so far with the logs placed by the
 * clock estimates seen so far; returns those of `wanted`. The drafts are not changed.
 */
export function provisionalLogTargets(
  input: LogMergeInput,
  drafts: readonly LogTarget[],
  wanted: ReadonlySet<string>,
  clocks: Record<string, ClockEstimate>,
): Map<string, LogTarget> {
  const targets: LogTarget[] = drafts.map((t) => ({ ...t, milestones: new Map(t.milestones), notes: [...t.notes] }));
  mergeLogs(targets, input.logs, input.clock, clocks, input.clockOffsets);
  const out = new Map<string, LogTarget>();
  for (const t of targets) if (wanted.has(t.id)) out.set(t.id, t);
  return out;
}

/** Live: the logs merged into `targets` themselves (warnings wait for the end). */
export function mergeLogsInto(
  input: LogMergeInput,
  targets: readonly LogTarget[],
  clocks: Record<string, ClockEstimate>,
): void {
  mergeLogs(targets, input.logs, input.clock, clocks, input.clockOffsets);
}

/**
 * The end: the logs merged into every request's milestones; `clocks` gets the log hosts'
 * estimates (a log host's address folded into its name). Returns the warnings and the
 * per-file summary of the result's counters.
 */
export function finalLogMerge(
  input: LogMergeInput,
  targets: readonly LogTarget[],
  clocks: Record<string, ClockEstimate>,
): { warnings: string[]; files: ResultCounters['logs'] } {
  const merged = mergeLogs(targets, input.logs, input.clock, clocks, input.clockOffsets);
  Object.assign(clocks, merged.clocks);
  // One machine, one entry: its address's estimate lives on in the log host's.
  for (const addr of merged.folded) if (!Object.hasOwn(merged.clocks, addr)) delete clocks[addr];
  const warnings = [...merged.warnings];
  for (const l of input.logs)
    for (const w of l.warnings) warnings.push(`${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`);
  const byFile = new Map(input.logs.map((l) => [l.file, l]));
  const files: ResultCounters['logs'] = merged.files.map((f) => ({
    ...f,
    counters: byFile.get(f.file)?.counters,
    formats: byFile.get(f.file)?.formats,
  }));
  for (const w of merged.whr) {
    const diffs = w.crossChecks.map((c) => Math.abs(c.diffMs));
    files.push({
      file: w.file,
      whrBlocks: w.joins.length,
      joined: w.joins.filter((j) => j.request).length,
      ambiguous: w.joins
        .filter((j) => !j.request && j.ambiguousWith.length > 1)
        .map((j) => ({ block: j.block, requests: j.ambiguousWith })),
      unmatched: w.joins.filter((j) => !j.request && j.ambiguousWith.length <= 1).length,
      crossCheck: diffs.length
        ? { phases: diffs.length, maxAbsDiffMs: roundMs(Math.max(...diffs)), against: 'vimts markers' }
        : null,
    });
  }
  return { warnings, files };
}
