/**
 * Nomad ≥ 0.9 client logs, hclog text format:
 *   2023-01-02T15:04:05.000Z [INFO]  client.alloc_runner.task_runner: Task event: alloc_id=… task=redis \
 *     type=Started msg="Task started by client" failed=false
 * Task events become `task-event:<Type>` events for the alloc.
 */
import {
  isDigitAt,
  NO_CONTEXT,
  type LineFormat,
  type LineParseResult,
  type LineScope,
  type PartialEvent,
} from './lineFormat.js';
import { rfc3339ToNs, type ExactTime } from './time.js';

const HCLOG_LINE =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?) +\[([A-Za-z]+)\] +(.*)$/;
const TASK_EVENT = 'Task event:';
/** hclog's key=value pairs; values are bare or Go-quoted strings. */
const KEY_VALUE = /([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g;

function looksLike(line: string): boolean {
  return line.length > 20 && line.charCodeAt(4) === 0x2d && line.charCodeAt(10) === 0x54 /* T */ && isDigitAt(line, 0);
}

function parse(line: string, scope: LineScope): LineParseResult {
  const m = HCLOG_LINE.exec(line);
  if (!m) return undefined;
  const message = m[3];
  const at = message.indexOf(TASK_EVENT);
  if (at < 0) return NO_CONTEXT; // only task events need the time
  const time = rfc3339ToNs(m[1], scope.utcOffsetMinutes);
  if (!time) {
    scope.malformed('nomad-hclog', 'hclog line: date or time out of range');
    return 'malformed';
  }
  const fields = keyValues(message.slice(at + TASK_EVENT.length));
  const event = taskEvent(
    time,
    'nomad-hclog',
    fields.get('type'),
    fields.get('alloc_id'),
    fields.get('task'),
    fields.get('msg'),
  );
  if (!event) {
    scope.malformed('nomad-hclog', 'task event without type=');
    return 'malformed';
  }
  scope.emit(event);
  return NO_CONTEXT;
}

/** `a=1 b="x y"` → Map (a Map, so a key named `__proto__` is just a key). */
export function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of text.matchAll(KEY_VALUE)) out.set(kv[1], unquote(kv[2]));
  return out;
}

function unquote(value: string): string {
  if (value.length < 2 || value[0] !== '"') return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'string' ? parsed : value.slice(1, -1);
  } catch {
    return value.slice(1, -1);
  }
}

/** A Nomad task event (text or JSON log) as a LogEvent; undefined without a type. */
export function taskEvent(
  time: ExactTime,
  format: 'nomad-hclog' | 'nomad-json',
  type: string | undefined,
  allocId: string | undefined,
  task: string | undefined,
  msg: string | undefined,
): PartialEvent | undefined {
  if (!type) return undefined;
  return {
    timeNs: time.ns,
    precision: time.precision,
    format,
    phase: `task-event:${type}`,
    ...(allocId ? { id: allocId } : {}),
    ...(task ? { task } : {}),
    ...(msg ? { label: msg } : {}),
  };
}

export const nomadHclogFormat: LineFormat = { format: 'nomad-hclog', looksLike, parse };
