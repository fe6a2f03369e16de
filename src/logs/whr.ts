/**
 * The original study's `whr` timing prints on nova-compute's stdout (Python 2 `print`), e.g.
 *   whr [buid_and_run_instance] ### START ### 1795585078.469656
 *   whr [spawn] ==> create img 0.293798
 * No instance id and no time of their own except the absolute lines: whrBlocks.ts groups them
 * into builds. Labels are kept exactly as printed (`buid_and_run_instance`, `spawing`).
 */
import type { LineFormat, LineParseResult, LineScope } from './lineFormat.js';
import { NO_CONTEXT } from './lineFormat.js';
import { decimalSecondsToNs, secondsTextToMs } from './time.js';

export type WhrKind = 'absolute' | 'duration' | 'note';

export interface WhrLine {
  /** The function printing it: `buid_and_run_instance` (compute manager) or `spawn` (libvirt driver). */
  scope: string;
  /** The text before the value, as printed. */
  text: string;
  kind: WhrKind;
  /** Phase the time or duration belongs to (notes have none). */
  phase?: string;
  edge?: 'begin' | 'end';
  /**
   * For grouping, how the duration moves the build's clock: `follows` the previous step, runs
   * `from-spawn-start` (`==> create img`, the spawn totals), or neither (steps inside one already
   * counted, e.g. `console log` inside `==> get guest xml`, `==> libvirt spawn` = `wait for boot`).
   */
  clock?: 'follows' | 'from-spawn-start';
}

/** Every line the patch prints, in the order one build prints them (the row index is the step). */
export const WHR_LINES: readonly WhrLine[] = [
  { scope: 'buid_and_run_instance', text: '### START ###', kind: 'absolute', phase: 'build', edge: 'begin' },
  { scope: 'buid_and_run_instance', text: 'init', kind: 'duration', phase: 'build.init', clock: 'follows' },
  { scope: 'buid_and_run_instance', text: 'prima del claim', kind: 'note' },
  { scope: 'buid_and_run_instance', text: 'claim', kind: 'duration', phase: 'build.claim', clock: 'follows' },
  {
    scope: 'buid_and_run_instance',
    text: 'build res',
    kind: 'duration',
    phase: 'build.build_resources',
    clock: 'follows',
  },
  { scope: 'buid_and_run_instance', text: 'spawning instance', kind: 'note' },
  { scope: 'buid_and_run_instance', text: '### Spawn start ###', kind: 'absolute', phase: 'spawn', edge: 'begin' },
  { scope: 'buid_and_run_instance', text: 'instance save', kind: 'duration', phase: 'build.instance_save' },
  { scope: 'spawn', text: '### START ##', kind: 'absolute', phase: 'spawn', edge: 'begin' },
  { scope: 'spawn', text: 'injection info', kind: 'duration', phase: 'spawn.injection_info' },
  { scope: 'spawn', text: 'gen_confdrive', kind: 'duration', phase: 'spawn.gen_confdrive' },
  { scope: 'spawn', text: '==> create img', kind: 'duration', phase: 'spawn.create_image', clock: 'from-spawn-start' },
  { scope: 'spawn', text: 'console log', kind: 'duration', phase: 'spawn.console_log' },
  { scope: 'spawn', text: '==> get guest xml', kind: 'duration', phase: 'spawn.generate_xml', clock: 'follows' },
  { scope: 'spawn', text: 'domain and network', kind: 'duration', phase: 'spawn.domain_and_network' },
  { scope: 'spawn', text: 'wait for boot', kind: 'duration', phase: 'spawn.wait_for_boot', clock: 'follows' },
  { scope: 'spawn', text: '', kind: 'duration', phase: 'spawn.driver_total', clock: 'from-spawn-start' },
  { scope: 'spawn', text: '==> libvirt spawn', kind: 'duration', phase: 'spawn.libvirt_spawn' },
  { scope: 'spawn', text: '### END ##', kind: 'absolute', phase: 'spawn', edge: 'end' },
  {
    scope: 'buid_and_run_instance',
    text: 'spawing on the hypervisor',
    kind: 'duration',
    phase: 'build.spawn_on_hypervisor',
    clock: 'from-spawn-start',
  },
  { scope: 'buid_and_run_instance', text: '### Spawn end ###', kind: 'absolute', phase: 'spawn', edge: 'end' },
  {
    scope: 'buid_and_run_instance',
    text: '==> Spawn time ###',
    kind: 'duration',
    phase: 'spawn',
    clock: 'from-spawn-start',
  },
  { scope: 'buid_and_run_instance', text: '## end ##', kind: 'absolute', phase: 'build', edge: 'end' },
];

interface CompiledWhrLine {
  row: WhrLine;
  step: number;
  pattern: RegExp;
}

const WHR_PREFIX = /^whr \[([A-Za-z_]+)\] ?(.*?)\s*$/;

const COMPILED: ReadonlyMap<string, readonly CompiledWhrLine[]> = (() => {
  const byScope = new Map<string, CompiledWhrLine[]>();
  WHR_LINES.forEach((row, step) => {
    const text = row.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const value = row.kind === 'note' ? '' : `${text ? ' +' : ''}(\\d+(?:\\.\\d*)?)`;
    const list = byScope.get(row.scope) ?? [];
    list.push({ row, step, pattern: new RegExp(`^${text}${value}$`) });
    byScope.set(row.scope, list);
  });
  return byScope;
})();

/** Step (row index in WHR_LINES) of a whr event, recovered from its label. */
const STEP_BY_LABEL: ReadonlyMap<string, number> = new Map(WHR_LINES.map((row, step) => [whrLabel(row), step]));

export function whrLabel(row: WhrLine): string {
  return row.text ? `[${row.scope}] ${row.text}` : `[${row.scope}]`;
}

export function whrStep(label: string | undefined): number | undefined {
  return label === undefined ? undefined : STEP_BY_LABEL.get(label);
}

function looksLike(line: string): boolean {
  return line.startsWith('whr [');
}

function parse(line: string, scope: LineScope): LineParseResult {
  const m = WHR_PREFIX.exec(line);
  if (!m) return undefined;
  const rows = COMPILED.get(m[1]);
  const rest = m[2].trimStart();
  const hit = rows?.map((c) => ({ c, v: c.pattern.exec(rest) })).find((x) => x.v !== null);
  if (!hit || !hit.v) return NO_CONTEXT; // a print the table does not know: read, nothing timed
  const { row } = hit.c;
  const value = hit.v[1];
  if (row.kind === 'note' || value === undefined) return NO_CONTEXT;
  const label = whrLabel(row);
  if (row.kind === 'absolute') {
    const time = decimalSecondsToNs(value);
    if (!time) {
      scope.malformed('whr', `whr line ${label}: time is not unix seconds`);
      return 'malformed';
    }
    scope.emit({ timeNs: time.ns, precision: time.precision, format: 'whr', phase: row.phase, edge: row.edge, label });
  } else {
    // A duration line has no time of its own: timeNs stays 0 (precision −1) until grouping places it.
    scope.emit({
      timeNs: 0n,
      precision: -1,
      format: 'whr',
      phase: row.phase,
      durationMs: secondsTextToMs(value),
      label,
    });
  }
  return NO_CONTEXT;
}

export const whrFormat: LineFormat = { format: 'whr', looksLike, parse };
