/**
 * The naming rule of the JSON outputs (schema vim-analyse/2, docs/output-schema.md), checked
 * on a parsed output: every number is a duration named `ms` or `…Ms` (rounded to the ns: at
 * most 6 decimals), or a quantity listed below as having no unit (counts, ratios, ids); every
 * ISO time has a sibling `<name>UnixNs` string holding the same instant, and every
 * `…UnixNs` an ISO sibling. A field added under a new name must be named by the rule or
 * listed here, so the check fails for a duration named without its unit.
 */
import { isoToNs } from './groundTruth.js';

/** Numbers without a unit, by key: counts, ratios, probabilities, identifiers. */
const unitless = new Set([
  // counts
  'n',
  'of',
  'packets',
  'capturedBytes',
  'fileBytes',
  'bytes',
  'gapBytes',
  'gaps',
  'outOfOrder',
  'retransmissions',
  'requests',
  'messages',
  'distinctTicks',
  'carryingSeveralRequests',
  'hostsSending',
  'inFlight',
  'maxInFlight',
  'multiRequestReleases',
  'releases',
  'replies',
  'requestsAboveP95',
  'phaseEndsOnGrid',
  'posts',
  'carryingSeveral',
  'calls',
  'applicationBytes',
  // ratios, fractions, statistics without a unit
  'share',
  'shareCi95',
  'ratio',
  'medianShare',
  'meanOverPeriod',
  'withinPeriodFraction',
  'onGridFraction',
  'coReleasedFraction',
  'windowSpread',
  'rayleighR',
  'falseAlarm',
  'alpha',
  'p',
  'adjustedP',
  'rho',
  'ksD',
  'ksP',
  'df',
  // identifiers and codes
  'id',
  'msg',
  'conn',
  'frame',
  'status',
  'linkType',
  'tsPrecision',
]);

/** Objects whose every number is a count (per-stage counters, availability, per-kind tallies). */
const countTables = new Set([
  'counters',
  'capture',
  'net',
  'availability',
  'wireEvents',
  'records',
  'live',
  'serversPerPost',
  'linkTypes',
  'encapsulations',
]);

const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
const isDuration = (key: string) => key === 'ms' || key.endsWith('Ms');
const decimals = (x: number) => (String(x).split('.')[1] ?? '').length;

/** What breaks the rule in `value` (a parsed JSON output), one line per field; [] when none. */
export function namingViolations(value: unknown, path = '$'): string[] {
  const out: string[] = [];
  walk(value, path, null, false, out);
  return out;
}

/** `counts`: inside a table of counts, where any key may hold a whole number. */
function walk(value: unknown, path: string, key: string | null, counts: boolean, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${path}[${i}]`, key, counts, out));
    return;
  }
  if (typeof value === 'number') {
    if (key === null) out.push(`${path}: a number outside any named field`);
    else if (isDuration(key)) {
      if (decimals(value) > 6) out.push(`${path}: ${value} ms is not rounded to the ns`);
    } else if (counts) {
      if (!Number.isInteger(value) || value < 0) out.push(`${path}: ${value} in a table of counts`);
    } else if (!unitless.has(key))
      out.push(
        `${path}: number '${key}' names no unit: a duration ends in Ms, a count or ratio is listed in test/helpers/outputNaming.ts`,
      );
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    const at = `${path}.${k}`;
    if (typeof v === 'string' && isoTime.test(v)) {
      const ns = o[`${k}UnixNs`];
      if (typeof ns !== 'string') out.push(`${at}: ISO time without a '${k}UnixNs' string beside it`);
      else if (ns !== isoToNs(v).toString()) out.push(`${at}UnixNs: ${ns} is not the instant ${v}`);
    }
    if (k.endsWith('UnixNs')) {
      const iso = o[k.slice(0, -'UnixNs'.length)];
      if (v === null ? iso !== null : typeof v !== 'string' || typeof iso !== 'string' || !isoTime.test(iso))
        out.push(`${at}: no ISO time beside it (or null beside a time)`);
      continue;
    }
    walk(v, at, k, counts || countTables.has(k), out);
  }
}
