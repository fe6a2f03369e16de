/**
 * What a per-format line parser sees and returns. One parser per file (vimts.ts, oslo.ts,
 * nomadGo.ts, nomadHclog.ts, nomadJson.ts, whr.ts); formats.ts lists them.
 */
import type { LogEvent, LogFormat } from './types.js';

/** An event before the collector stamps it with file, line and (when it has none) host. */
export type PartialEvent = Omit<LogEvent, 'file' | 'line' | 'host'> & { host?: string };

/** The line being parsed; one mutable object reused for every line (no allocation per line). */
export interface LineScope {
  readonly file: string;
  readonly line: number;
  /** Zone of wall-clock times written without one (UTC+minutes); 0 = UTC. */
  readonly utcOffsetMinutes: number;
  emit(event: PartialEvent): void;
  /** The line is in `format` but a field does not parse. The message must not quote the line. */
  malformed(format: LogFormat, message: string): void;
  /** A host name the content reveals: a marker's `host=` beats a node name. */
  hostHint(kind: 'marker' | 'node', name: string): void;
}

/** What a container line (oslo, Go log, hclog, JSON) tells a vimts marker inside it. */
export interface LineContext {
  requestId?: string;
  globalRequestId?: string;
}

/** `malformed`: the line is in this format but broken (already reported through the scope). */
export type LineParseResult = LineContext | 'malformed' | undefined;

export interface LineFormat {
  format: LogFormat;
  /** Cheap test on the first characters, before any regex. */
  looksLike(line: string): boolean;
  /**
   * Undefined when the line is not in this format after all (the next format is tried).
   * `hasMarker`: the line holds a vimts marker, so its context is wanted; without one, a parser
   * reads only what may make an event (most lines cost a head regex and a substring search).
   */
  parse(line: string, scope: LineScope, hasMarker: boolean): LineParseResult;
}

/** Frozen empty context for lines that give a marker nothing. */
export const NO_CONTEXT: LineContext = Object.freeze({});

/** `c` at `i` is an ASCII digit. */
export function isDigitAt(line: string, i: number): boolean {
  const c = line.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}
