/**
 * The original study's `whr` prints carry no instance id: join each build block to the
 * request whose wire milestones frame it, after clock alignment. A build starts after its
 * build_and_run_instance reached the compute host and its spawn ends before the instance
 * is saved active. A block that fits more than one request is reported as ambiguous for
 * them, never guessed.
 */
import type { WhrBlock } from '../logs/whrBlocks.js';
import type { SessionClock } from '../capture/sessionClock.js';
import type { LogTarget, MilestoneObservation } from './types.js';

/** How long after the delivery a build may start, and before the save its spawn may end. */
export const maxBuildStartLagNs = 2e9;
export const maxSpawnEndToSaveNs = 1e9;
/** Rounding of the printed times (6 decimals) plus capture jitter. */
const toleranceNs = 1e6;

/** Sub-phases the study printed as durations, in the order spawn runs them. */
const spawnSteps = ['spawn.create_image', 'spawn.generate_xml', 'spawn.libvirt_spawn'] as const;

export interface WhrJoin {
  block: number;
  request: string | null;
  /** Requests the block could belong to, when more than one. */
  ambiguousWith: string[];
}

export interface WhrCrossCheck {
  request: string;
  phase: string;
  /** whr minus the finer source (vimts markers), ms. */
  diffMs: number;
}

const first = (t: LogTarget, names: string[]): MilestoneObservation | undefined =>
  names.map((n) => t.milestones.get(n)).find(Boolean);

export function joinWhrBlocks(
  blocks: readonly WhrBlock[],
  targets: readonly LogTarget[],
  clock: SessionClock,
  offsetNs: number,
  uncertaintyNs: number,
  host: string,
): { joins: WhrJoin[]; crossChecks: WhrCrossCheck[] } {
  const slack = uncertaintyNs + toleranceNs;
  const nova = targets.filter((t) => t.vim === 'nova');
  const candidates = blocks.map((b) => {
    if (b.buildBeginNs === undefined || b.spawnEndNs === undefined) return [] as LogTarget[];
    const begin = clock.relativeFromUnixNs(b.buildBeginNs) - offsetNs;
    const spawnEnd = clock.relativeFromUnixNs(b.spawnEndNs) - offsetNs;
    return nova.filter((t) => {
      const delivered = first(t, ['build.deliver', 'build.publish']);
      const saved = first(t, ['save.active.publish', 'save.active.deliver']);
      if (!delivered || !saved) return false;
      return (
        begin >= delivered.t - slack &&
        begin <= delivered.t + maxBuildStartLagNs + slack &&
        spawnEnd <= saved.t + slack &&
        spawnEnd >= saved.t - maxSpawnEndToSaveNs - slack
      );
    });
  });
  // A request that is some block's only candidate is taken: drop it from the others, repeat.
  const taken = new Map<string, number>();
  for (let changed = true; changed;) {
    changed = false;
    candidates.forEach((c, i) => {
      const left = c.filter((t) => !taken.has(t.id) || taken.get(t.id) === i);
      if (left.length === 1 && taken.get(left[0].id) !== i) {
        taken.set(left[0].id, i);
        changed = true;
      }
      candidates[i] = left;
    });
  }
  const joins: WhrJoin[] = [];
  const crossChecks: WhrCrossCheck[] = [];
  blocks.forEach((b, i) => {
    const c = candidates[i];
    if (c.length !== 1) {
      joins.push({ block: i, request: null, ambiguousWith: c.map((t) => t.id) });
      for (const t of c)
        t.notes.push(
          `whr build block ${i} (${b.file}) could be this request's or ${c.length - 1} other(s): not joined`,
        );
      return;
    }
    const t = c[0];
    joins.push({ block: i, request: t.id, ambiguousWith: [] });
    place(t, b, clock, offsetNs, host, crossChecks);
  });
  return { joins, crossChecks };
}

/** The block's edges and durations as log milestones; markers already there win (and are cross-checked). */
function place(
  t: LogTarget,
  b: WhrBlock,
  clock: SessionClock,
  offsetNs: number,
  host: string,
  checks: WhrCrossCheck[],
): void {
  const at = (ns: bigint) => clock.relativeFromUnixNs(ns);
  const obs = (raw: number): MilestoneObservation => ({ t: raw - offsetNs, rawT: raw, source: 'log', host });
  const edges: [string, bigint | undefined][] = [
    ['build.begin', b.buildBeginNs],
    ['build.end', b.buildEndNs],
    ['spawn.begin', b.spawnBeginNs],
    ['spawn.end', b.spawnEndNs],
  ];
  const intervals = new Map<string, [number, number]>();
  const d = b.durationsMs;
  if (b.spawnBeginNs !== undefined) {
    // The study printed durations, not edges. Its "create img" runs from the spawn start,
    // so it includes the injection-info and config-drive steps it also prints, and its
    // "get guest xml" includes the console-log step: those are taken out. The steps are
    // laid end to end from the spawn start; libvirt spawn ends with the spawn.
    let cursor = at(b.spawnBeginNs) + ((d['spawn.injection_info'] ?? 0) + (d['spawn.gen_confdrive'] ?? 0)) * 1e6;
    if (d['spawn.create_image'] !== undefined) {
      const ms = d['spawn.create_image'] - (d['spawn.injection_info'] ?? 0) - (d['spawn.gen_confdrive'] ?? 0);
      intervals.set('spawn.create_image', [cursor, cursor + ms * 1e6]);
      cursor += (ms + (d['spawn.console_log'] ?? 0)) * 1e6;
    }
    if (d['spawn.generate_xml'] !== undefined) {
      const ms = d['spawn.generate_xml'] - (d['spawn.console_log'] ?? 0);
      intervals.set('spawn.generate_xml', [cursor, cursor + ms * 1e6]);
    }
    if (d['spawn.libvirt_spawn'] !== undefined && b.spawnEndNs !== undefined) {
      const end = at(b.spawnEndNs);
      intervals.set('spawn.libvirt_spawn', [end - d['spawn.libvirt_spawn'] * 1e6, end]);
    }
  }
  const phases: [string, number, number][] = [];
  for (const [name, ns] of edges) if (ns !== undefined) phases.push([name, at(ns), NaN]);
  const set = (name: string, raw: number) => {
    if (!t.milestones.has(`log:${name}`)) t.milestones.set(`log:${name}`, obs(raw));
  };
  // Cross-check against markers before filling in.
  for (const phase of ['build', 'spawn', ...spawnSteps]) {
    const mb = t.milestones.get(`log:${phase}.begin`),
      me = t.milestones.get(`log:${phase}.end`);
    const iv = intervals.get(phase);
    const whr =
      phase === 'build'
        ? span(b.buildBeginNs, b.buildEndNs)
        : phase === 'spawn'
          ? span(b.spawnBeginNs, b.spawnEndNs)
          : iv
            ? (iv[1] - iv[0]) / 1e6
            : undefined;
    if (mb && me && whr !== undefined) checks.push({ request: t.id, phase, diffMs: whr - (me.t - mb.t) / 1e6 });
  }
  for (const [name, raw] of phases) set(name, raw);
  for (const [step, [from, to]] of intervals) {
    set(`${step}.begin`, from);
    set(`${step}.end`, to);
  }
  t.notes.push(
    `compute-host sub-phases from the study's whr prints (${b.file}, build block ${b.index}); its ` +
      `"create img" includes injection info and config-drive set-up and its "get guest xml" the console log, both ` +
      `printed separately and taken out here`,
  );
}

function span(a: bigint | undefined, b: bigint | undefined): number | undefined {
  return a !== undefined && b !== undefined ? Number(b - a) / 1e6 : undefined;
}
