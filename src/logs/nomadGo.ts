/**
 * Nomad client logs in Go `log` style (Nomad ≤ 0.8, and the 2016 Xen driver patch):
 *   2016/06/21 10:00:00.123456 [INFO] Downloaded XenArtifacts (cfg and image) in:40.123ms
 * Go's `log` writes local wall-clock time without a zone: read as UTC unless told otherwise.
 * The patch's lines report a driver sub-phase's duration as a Go duration (`51.527µs`, `1.2s`).
 */
import { isDigitAt, NO_CONTEXT, type LineFormat, type LineParseResult, type LineScope } from './lineFormat.js';
import { civilToNs, GO_DURATION_SOURCE, goDurationToMs } from './time.js';

/** The 2016 patch's lines → the driver sub-phase whose duration they print. */
export const XEN_PATCH_LINES: readonly { label: string; pattern: RegExp; phase: string }[] = [
  patchLine('loaded new XenDriverConfig', 'driver.load_config'),
  patchLine('Allocated new TaskDir', 'driver.alloc_taskdir'),
  patchLine('Downloaded XenArtifacts (cfg and image)', 'driver.download_artifact'),
  // nomad-2016-tuned: the artifacts come from local disk, same sub-phase.
  patchLine('Copied XenArtifacts (cfg and image) from local disk', 'driver.download_artifact'),
  // `Init Completed in:23.039065ms. Starting new XenVM …`: the duration ends before the period.
  patchLine('Init Completed', 'driver.init_env'),
  patchLine('Started new xenVM', 'driver.spawn', '[^\\n]*?'),
  patchLine('Cleaned xl executor', 'driver.clean'),
];

function patchLine(label: string, phase: string, between = ''): { label: string; pattern: RegExp; phase: string } {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { label, phase, pattern: new RegExp(`${escaped}${between} in: ?(${GO_DURATION_SOURCE})`) };
}

/** The head up to the message; the message starts at the match's end. */
const GO_LOG_HEAD = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? (?:\[[A-Za-z]+\] ?)?/;

function looksLike(line: string): boolean {
  return (
    line.length > 19 &&
    line.charCodeAt(4) === 0x2f &&
    line.charCodeAt(7) === 0x2f &&
    line.charCodeAt(10) === 0x20 &&
    isDigitAt(line, 0)
  );
}

function parse(line: string, scope: LineScope): LineParseResult {
  const m = GO_LOG_HEAD.exec(line);
  if (!m) return undefined;
  // Only the patch lines need the time; a marker inside has its own.
  if (line.indexOf(' in:', m[0].length) < 0) return NO_CONTEXT;
  const message = line.slice(m[0].length);
  const frac = m[7] ?? '';
  const timeNs = civilToNs(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], frac, scope.utcOffsetMinutes);
  if (timeNs === undefined) {
    scope.malformed('nomad-go', 'Go log line: date or time out of range');
    return 'malformed';
  }
  for (const row of XEN_PATCH_LINES) {
    if (!message.includes(row.label)) continue;
    const d = row.pattern.exec(message);
    const durationMs = d ? goDurationToMs(d[1]) : undefined;
    if (durationMs === undefined) {
      scope.malformed('nomad-go', `patch line "${row.label}": no Go duration after in:`);
      return 'malformed';
    }
    scope.emit({ timeNs, precision: frac.length, format: 'nomad-go', phase: row.phase, durationMs, label: row.label });
    break;
  }
  return NO_CONTEXT;
}

export const nomadGoFormat: LineFormat = { format: 'nomad-go', looksLike, parse };
