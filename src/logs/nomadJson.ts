/**
 * Nomad ≥ 0.9 client logs in hclog JSON (`log_json = true`):
 *   {"@level":"info","@message":"Task event","@module":"client.alloc_runner.task_runner",
 *    "@timestamp":"2023-01-02T15:04:05.123456Z","alloc_id":"…","task":"redis","type":"Started",
 *    "msg":"Task started by client"}   (one line in the log)
 * Only own string fields are read, so `__proto__` keys in a line change nothing.
 */
import { NO_CONTEXT, type LineFormat, type LineParseResult, type LineScope } from './lineFormat.js';
import { taskEvent } from './nomadHclog.js';
import { rfc3339ToNs } from './time.js';

function looksLike(line: string): boolean {
  return line.charCodeAt(0) === 0x7b /* { */ && line.includes('"@timestamp"');
}

function parse(line: string, scope: LineScope): LineParseResult {
  // Only task events make events (a marker inside is found by its own scan): skip JSON.parse otherwise.
  if (!line.includes('"Task event"')) return NO_CONTEXT;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    scope.malformed('nomad-json', 'JSON log line does not parse');
    return 'malformed';
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    scope.malformed('nomad-json', 'JSON log line is not an object');
    return 'malformed';
  }
  const fields = record as Record<string, unknown>;
  const stamp = ownString(fields, '@timestamp');
  const time = stamp === undefined ? undefined : rfc3339ToNs(stamp, scope.utcOffsetMinutes);
  if (!time) {
    scope.malformed('nomad-json', '@timestamp is not an RFC 3339 time');
    return 'malformed';
  }
  if (ownString(fields, '@message') !== 'Task event') return NO_CONTEXT;
  const event = taskEvent(
    time,
    'nomad-json',
    ownString(fields, 'type'),
    ownString(fields, 'alloc_id'),
    ownString(fields, 'task'),
    ownString(fields, 'msg'),
  );
  if (!event) {
    scope.malformed('nomad-json', 'task event without a string type');
    return 'malformed';
  }
  scope.emit(event);
  return NO_CONTEXT;
}

function ownString(o: Record<string, unknown>, key: string): string | undefined {
  if (!Object.hasOwn(o, key)) return undefined;
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

export const nomadJsonFormat: LineFormat = { format: 'nomad-json', looksLike, parse };
