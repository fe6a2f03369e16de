/**
 * Line-by-line log reader state: feeds each line to the formats, stamps events with file,
 * line and host, counts. Holds only events and counters, never lines.
 */
import { basename } from 'node:path';
import { LINE_FORMATS } from './formats.js';
import type { LineContext, LineScope, PartialEvent } from './lineFormat.js';
import { NO_CONTEXT } from './lineFormat.js';
import type { LogEvent, LogFormat, LogCounters, LogWarning, ParsedLog, ParseLogOptions } from './types.js';
import { parseVimtsMarker, VIMTS_PREFILTER } from './vimts.js';

const FORMAT_ORDER: readonly LogFormat[] = ['vimts', 'oslo', 'nomad-go', 'nomad-hclog', 'nomad-json', 'whr'];

export class LogCollector implements LineScope {
  readonly file: string;
  readonly utcOffsetMinutes: number;
  line = 0;
  private readonly events: LogEvent[] = [];
  private readonly counters: LogCounters = { lines: 0, used: 0, malformed: 0, unrecognised: 0, byFormat: {} };
  private readonly warnings: LogWarning[] = [];
  private readonly maxWarnings: number;
  private warningsDropped = 0;
  private lineMalformed = false;
  private markerHost: string | undefined;
  private nodeHost: string | undefined;
  /** Last absolute whr time: the earliest a following whr duration line can have been printed. */
  private lastWhrTime: { ns: bigint; precision: number } | undefined;

  /** `host`: the user's name for the file's host (`HOST=` prefix); else inferred from content. */
  constructor(
    file: string,
    private readonly host: string | undefined,
    options: ParseLogOptions = {},
  ) {
    this.file = file;
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? 0;
    this.maxWarnings = options.maxWarnings ?? 50;
  }

  feed(raw: string): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.line++;
    this.counters.lines++;
    this.lineMalformed = false;
    const before = this.events.length;
    let recognised = false;
    let context: LineContext = NO_CONTEXT;
    const at = text.indexOf(VIMTS_PREFILTER);
    for (const f of LINE_FORMATS) {
      if (!f.looksLike(text)) continue;
      const r = f.parse(text, this, at >= 0);
      if (r === undefined) continue;
      recognised = true;
      this.countFormat(f.format);
      if (r !== 'malformed') context = r;
      break;
    }
    if (at >= 0) {
      recognised = true;
      this.countFormat('vimts');
      parseVimtsMarker(text, at, this, context);
    }
    if (this.events.length > before) this.counters.used++;
    else if (this.lineMalformed) this.counters.malformed++;
    else if (!recognised) this.counters.unrecognised++;
  }

  emit(partial: PartialEvent): void {
    const event = partial as LogEvent;
    event.file = this.file;
    event.line = this.line;
    if (event.format === 'whr') this.placeWhr(event);
    this.events.push(event);
  }

  malformed(format: LogFormat, message: string): void {
    this.lineMalformed = true;
    if (this.warnings.length < this.maxWarnings) {
      this.warnings.push({ stage: 'logs', file: this.file, line: this.line, message: `${format}: ${message}` });
    } else {
      this.warningsDropped++;
    }
  }

  hostHint(kind: 'marker' | 'node', name: string): void {
    if (kind === 'marker') this.markerHost ??= name;
    else this.nodeHost ??= name;
  }

  finish(): ParsedLog {
    const host = this.host ?? this.markerHost ?? this.nodeHost ?? hostFromFileName(this.file);
    for (const e of this.events) if (!e.host) e.host = host;
    const warnings =
      this.warningsDropped > 0
        ? [
            ...this.warnings,
            {
              stage: 'logs' as const,
              file: this.file,
              message: `${this.warningsDropped} more malformed lines not listed`,
            },
          ]
        : this.warnings;
    return {
      file: this.file,
      host,
      formats: FORMAT_ORDER.filter((f) => (this.counters.byFormat[f] ?? 0) > 0),
      events: this.events,
      counters: this.counters,
      warnings,
    };
  }

  private countFormat(format: LogFormat): void {
    this.counters.byFormat[format] = (this.counters.byFormat[format] ?? 0) + 1;
  }

  /** Absolute whr lines set the clock; duration lines (no time printed) get the last one, a lower bound. */
  private placeWhr(event: LogEvent): void {
    if (event.durationMs === undefined) {
      // `[spawn] ### START ## …78.67` is rounded (maybe up): only µs times make a safe lower bound.
      if (event.precision >= 6 || !this.lastWhrTime)
        this.lastWhrTime = { ns: event.timeNs, precision: event.precision };
    } else if (this.lastWhrTime) {
      event.timeNs = this.lastWhrTime.ns;
      event.precision = this.lastWhrTime.precision;
    }
  }
}

/** `/var/log/nova/nova-compute.log.1.gz` → `nova-compute`. */
export function hostFromFileName(file: string): string {
  let name = basename(file);
  for (;;) {
    const stripped = name.replace(/\.(gz|log|txt|\d+)$/i, '');
    if (stripped === name || stripped === '') return name;
    name = stripped;
  }
}

/** Parse lines already in memory (tests, live tails). `host` as for readLog's `HOST=`. */
export function parseLogLines(
  lines: Iterable<string>,
  file: string,
  host?: string,
  options?: ParseLogOptions,
): ParsedLog {
  const collector = new LogCollector(file, host, options);
  for (const line of lines) collector.feed(line);
  return collector.finish();
}
