/**
 * Group `whr` events into builds. The prints carry no instance id and concurrent builds
 * interleave, so every line must be given to one open build such that:
 *   - the build has not printed that step yet (the prints of one build come in WHR_LINES order),
 *     and it is the furthest along short of it;
 *   - the times fit: a duration cannot end after the next absolute time printed in the file,
 *     `### Spawn end ###` is `[spawn] ### END ##` unrounded, `==> Spawn time` = Spawn end − Spawn start.
 * A greedy choice can paint itself into a corner (two spawns overlap, the first to start ends
 * last), so the grouping is a depth-first search over the lines with several fitting builds
 * that backtracks when a later line fits no build. Then, at each such choice, the other builds
 * are tried: when one of them also leads to a consistent grouping, the line truly could belong
 * to either, and both builds are marked `ambiguous`. The search commits whenever no build is
 * open (a quiet moment), so its depth is bounded by one burst, and it has a budget; past it,
 * or when no consistent grouping exists (lines lost, the file began mid-build), that stretch is
 * grouped greedily and lines that fit nothing open a build of their own.
 */
import type { LogEvent } from './types.js';
import { WHR_LINES, whrStep } from './whr.js';

export interface WhrBlock {
  /** 0-based, in the order the builds' first lines appear in the file. */
  index: number;
  file: string;
  host: string;
  /** `### START ###` (6 decimals); absent for a build already running when the file began. */
  buildBeginNs?: bigint;
  /** `## end ##`. */
  buildEndNs?: bigint;
  /** `### Spawn start ###` (6 decimals), else `[spawn] ### START ##` (2 decimals). */
  spawnBeginNs?: bigint;
  /** `### Spawn end ###` (6 decimals), else `[spawn] ### END ##` (2 decimals). */
  spawnEndNs?: bigint;
  /**
   * Every duration line by phase, ms: spawn.create_image, spawn.generate_xml, spawn.libvirt_spawn, spawn,
   * build.claim…
   */
  durationsMs: Record<string, number>;
  /** The block's events in file order. */
  events: LogEvent[];
  /** Saw both `### START ###` and `## end ##`. */
  complete: boolean;
  /** A line of this block could equally have belonged to another build. */
  ambiguous: boolean;
  /** Indices of the other blocks that could have taken one of this block's lines. */
  candidates: number[];
  /** Line numbers of the lines whose block was a choice among several. */
  ambiguousLines: number[];
}

const US = 1_000n;
const MS = 1_000_000n;
/** Half a unit of the last printed digit, plus a µs: how far a printed time can be from the truth. */
const rounding = (precision: number): bigint =>
  precision >= 6 ? US : 5n * 10n ** BigInt(8 - Math.max(precision, 0)) + US;
/** `### Spawn end ###` follows `[spawn] ### END ##` within this (a print and a return apart). */
const SPAWN_END_GAP = 500n * MS;
/** Durations and times are printed to the µs: differences agree within a few µs. */
const PRINT_TOLERANCE = 5n * US;
/** Fits evaluated per stretch between quiet moments before falling back to greedy. */
const SEARCH_BUDGET = 200_000;
/** Per alternative tried when asking whether a choice was ambiguous. */
const AMBIGUITY_BUDGET = 20_000;

const STEP = Object.fromEntries(WHR_LINES.map((row, step) => [`${row.scope} ${row.text}`, step]));
const START = STEP['buid_and_run_instance ### START ###'];
const SPAWN_START = STEP['buid_and_run_instance ### Spawn start ###'];
const SPAWN_START_2DP = STEP['spawn ### START ##'];
const SPAWN_END_2DP = STEP['spawn ### END ##'];
const SPAWN_END = STEP['buid_and_run_instance ### Spawn end ###'];
const SPAWN_TIME = STEP['buid_and_run_instance ==> Spawn time ###'];
const END = STEP['buid_and_run_instance ## end ##'];

/** What the search knows of one open build. */
interface Build {
  id: number;
  lastStep: number;
  /** Latest instant the build is known to have reached (a lower bound on its next print). */
  cursor?: bigint;
  spawnBegin6?: bigint;
  spawnEnd6?: bigint;
  spawnEnd2?: bigint;
  spawnEnd2Slack?: bigint;
}

interface State {
  open: Build[];
  nextId: number;
}

interface Fit {
  build: Build;
  gap: number;
  lag: bigint;
}

interface ChoicePoint {
  i: number;
  before: State;
  ids: number[];
  chosen: number;
}

/** Group the whr events (others are ignored) of each file into builds, in file order. */
export function groupWhrBlocks(events: readonly LogEvent[]): WhrBlock[] {
  const byFile = new Map<string, LogEvent[]>();
  for (const e of events) {
    if (e.format !== 'whr' || whrStep(e.label) === undefined) continue;
    const list = byFile.get(e.file) ?? [];
    list.push(e);
    byFile.set(e.file, list);
  }
  const blocks: WhrBlock[] = [];
  for (const list of byFile.values()) {
    list.sort((a, b) => a.line - b.line);
    groupOneFile(list, blocks);
  }
  return blocks;
}

function groupOneFile(events: LogEvent[], blocks: WhrBlock[]): void {
  const steps = events.map((e) => whrStep(e.label)!);
  const bounds = absoluteBounds(events);
  const owner = new Int32Array(events.length);
  const ambiguity: { line: number; ids: number[] }[] = [];
  let state: State = { open: [], nextId: 0 };
  let i = 0;
  while (i < events.length) {
    const exact = new Search(events, steps, bounds, owner, false, SEARCH_BUDGET);
    const from = i;
    const start = cloneState(state);
    const found = exact.run(i, start, 0);
    let search = exact;
    if (!found) {
      search = new Search(events, steps, bounds, owner, true, Infinity);
      search.run(from, cloneState(state), 0);
    }
    const stop = search.stop!;
    if (search === exact) ambiguity.push(...checkChoices(search.path, events, steps, bounds, owner.length));
    else for (const cp of search.path) ambiguity.push({ line: events[cp.i].line, ids: cp.ids });
    i = stop.i;
    state = stop.state;
  }
  const base = blocks.length;
  const byId = new Map<number, LogEvent[]>();
  events.forEach((e, k) => {
    const list = byId.get(owner[k]) ?? [];
    list.push(e);
    byId.set(owner[k], list);
  });
  for (const id of [...byId.keys()].sort((a, b) => a - b)) blocks.push(summarise(base + id, byId.get(id)!));
  for (const a of ambiguity) {
    const group = a.ids.map((id) => blocks[base + id]);
    for (const b of group) {
      b.ambiguous = true;
      if (!b.ambiguousLines.includes(a.line)) b.ambiguousLines.push(a.line);
      for (const other of group) if (other !== b && !b.candidates.includes(other.index)) b.candidates.push(other.index);
    }
  }
}

/** Depth-first search over one stretch of lines, up to the next moment no build is open. */
class Search {
  stop: { i: number; state: State } | undefined;
  /** The choice points on the path that succeeded. */
  readonly path: ChoicePoint[] = [];

  constructor(
    private readonly events: LogEvent[],
    private readonly steps: number[],
    private readonly bounds: Bounds,
    private readonly owner: Int32Array,
    /** Greedy: first fit everywhere, a line that fits nothing opens a build. */
    private readonly greedy: boolean,
    private budget: number,
  ) {}

  run(i: number, state: State, depth: number): boolean {
    for (; i < this.events.length; i++) {
      if (--this.budget < 0 || depth > 2000) return false;
      const e = this.events[i];
      const step = this.steps[i];
      if (step === START) {
        this.owner[i] = openBuild(state, e).id;
        continue;
      }
      const fits = rankedFits(state.open, e, step, this.bounds.prev[i], this.bounds.next[i]);
      if (fits.length === 0) {
        if (!this.greedy) return false;
        const b = openBuild(state, undefined);
        this.take(state, b, e, i, step);
        if (state.open.length === 0) return this.quiet(i, state);
        continue;
      }
      if (fits.length > 1) {
        const ids = fits.map((f) => f.build.id);
        if (this.greedy) {
          this.path.push({ i, before: state, ids, chosen: ids[0] });
        } else {
          const cp: ChoicePoint = { i, before: cloneState(state), ids, chosen: ids[0] };
          this.path.push(cp);
          for (const id of ids) {
            const next = cloneState(cp.before);
            cp.chosen = id;
            this.take(
              next,
              next.open.find((b) => b.id === id)!,
              e,
              i,
              step,
            );
            if (next.open.length === 0 ? this.quiet(i, next) : this.run(i + 1, next, depth + 1)) return true;
          }
          this.path.pop();
          return false;
        }
      }
      this.take(state, fits[0].build, e, i, step);
      if (state.open.length === 0) return this.quiet(i, state);
    }
    this.stop = { i, state };
    return true;
  }

  private take(state: State, b: Build, e: LogEvent, i: number, step: number): void {
    advance(b, e, step);
    this.owner[i] = b.id;
    if (step === END) state.open = state.open.filter((o) => o !== b);
  }

  private quiet(i: number, state: State): boolean {
    this.stop = { i: i + 1, state };
    return true;
  }
}

/** For each choice made, the other builds that would also have led to a consistent grouping. */
function checkChoices(
  path: ChoicePoint[],
  events: LogEvent[],
  steps: number[],
  bounds: Bounds,
  n: number,
): { line: number; ids: number[] }[] {
  const out: { line: number; ids: number[] }[] = [];
  const scratch = new Int32Array(n);
  for (const cp of path) {
    const ids = [cp.chosen];
    for (const id of cp.ids) {
      if (id === cp.chosen) continue;
      const alt = new Search(events, steps, bounds, scratch, false, AMBIGUITY_BUDGET);
      const state = cloneState(cp.before);
      const b = state.open.find((o) => o.id === id)!;
      advance(b, events[cp.i], steps[cp.i]);
      if (steps[cp.i] === END) state.open = state.open.filter((o) => o !== b);
      if (state.open.length === 0 || alt.run(cp.i + 1, state, 0)) ids.push(id);
    }
    if (ids.length > 1) out.push({ line: events[cp.i].line, ids });
  }
  return out;
}

interface Bounds {
  prev: (bigint | undefined)[];
  next: (bigint | undefined)[];
}

/** For each event, the previous and next absolute times in the file (the line was printed between them). */
function absoluteBounds(events: LogEvent[]): Bounds {
  const prev: (bigint | undefined)[] = [];
  const next = new Array<bigint | undefined>(events.length);
  let last: bigint | undefined;
  for (const e of events) {
    prev.push(last);
    if (isAbsolute(e)) last = e.timeNs - rounding(e.precision);
  }
  let following: bigint | undefined;
  for (let i = events.length - 1; i >= 0; i--) {
    next[i] = following;
    const e = events[i];
    if (isAbsolute(e)) following = e.timeNs + rounding(e.precision);
  }
  return { prev, next };
}

function isAbsolute(e: LogEvent): boolean {
  return e.durationMs === undefined;
}

/** The open builds `e` can go to, furthest along first, then least unexplained waiting, then oldest. */
function rankedFits(
  open: Build[],
  e: LogEvent,
  step: number,
  prevAbs: bigint | undefined,
  nextAbs: bigint | undefined,
): Fit[] {
  const fits: Fit[] = [];
  for (const b of open) {
    if (b.lastStep >= step) continue;
    const f = fit(b, e, step, prevAbs, nextAbs);
    if (f) fits.push(f);
  }
  if (fits.length < 2) return fits;
  const gap = Math.min(...fits.map((f) => f.gap));
  return fits.filter((f) => f.gap === gap).sort((a, b) => cmp(a.lag, b.lag) || a.build.id - b.build.id);
}

/** Whether `e` can be build `b`'s next line, and how much unexplained waiting that needs. */
function fit(
  b: Build,
  e: LogEvent,
  step: number,
  prevAbs: bigint | undefined,
  nextAbs: bigint | undefined,
): Fit | undefined {
  const gap = step - b.lastStep;
  if (isAbsolute(e)) {
    const t = e.timeNs;
    const slack = rounding(e.precision);
    if (b.cursor !== undefined && t < b.cursor - slack) return undefined;
    if (
      step === SPAWN_START_2DP &&
      b.spawnBegin6 !== undefined &&
      !within(t - b.spawnBegin6, -slack, SPAWN_END_GAP + slack)
    )
      return undefined;
    if (
      step === SPAWN_END &&
      b.spawnEnd2 !== undefined &&
      !within(t - b.spawnEnd2, -b.spawnEnd2Slack!, SPAWN_END_GAP + b.spawnEnd2Slack!)
    )
      return undefined;
    return { build: b, gap, lag: b.cursor === undefined ? 0n : t - b.cursor };
  }
  const d = msToNs(e.durationMs!);
  if (
    step === SPAWN_TIME &&
    b.spawnBegin6 !== undefined &&
    b.spawnEnd6 !== undefined &&
    !within(b.spawnEnd6 - b.spawnBegin6 - d, -PRINT_TOLERANCE, PRINT_TOLERANCE)
  )
    return undefined;
  const estimate = printedNoEarlierThan(b, step, d);
  if (estimate === undefined) return { build: b, gap, lag: 0n };
  if (nextAbs !== undefined && estimate > nextAbs + PRINT_TOLERANCE) return undefined;
  return { build: b, gap, lag: prevAbs !== undefined && prevAbs > estimate ? prevAbs - estimate : 0n };
}

/** Earliest instant the duration line can have been printed in build `b` (undefined: no bound). */
function printedNoEarlierThan(b: Build, step: number, d: bigint): bigint | undefined {
  switch (WHR_LINES[step].clock) {
    case 'follows':
      return b.cursor === undefined ? undefined : b.cursor + d;
    case 'from-spawn-start': {
      const fromSpawn = b.spawnBegin6 === undefined ? undefined : b.spawnBegin6 + d;
      if (b.cursor === undefined || fromSpawn === undefined) return fromSpawn ?? b.cursor;
      return fromSpawn > b.cursor ? fromSpawn : b.cursor;
    }
    default:
      return b.cursor; // inside a step already counted
  }
}

/** Move build `b` past line `e`. */
function advance(b: Build, e: LogEvent, step: number): void {
  b.lastStep = step;
  if (isAbsolute(e)) {
    const t = e.timeNs;
    if (e.precision >= 6) b.cursor = t;
    if (step === SPAWN_START) b.spawnBegin6 = t;
    else if (step === SPAWN_END_2DP) {
      b.spawnEnd2 = t;
      b.spawnEnd2Slack = rounding(e.precision);
    } else if (step === SPAWN_END) b.spawnEnd6 = t;
  } else {
    const reached = printedNoEarlierThan(b, step, msToNs(e.durationMs!));
    if (reached !== undefined) b.cursor = reached;
  }
}

function openBuild(state: State, start: LogEvent | undefined): Build {
  const b: Build = start
    ? { id: state.nextId++, lastStep: START, cursor: start.timeNs }
    : { id: state.nextId++, lastStep: -1 };
  state.open.push(b);
  return b;
}

function cloneState(s: State): State {
  return { open: s.open.map((b) => ({ ...b })), nextId: s.nextId };
}

/** The block a build's events make. */
function summarise(index: number, events: LogEvent[]): WhrBlock {
  const block: WhrBlock = {
    index,
    file: events[0].file,
    host: events[0].host,
    durationsMs: {},
    events,
    complete: false,
    ambiguous: false,
    candidates: [],
    ambiguousLines: [],
  };
  for (const e of events) {
    const step = whrStep(e.label)!;
    if (!isAbsolute(e)) {
      block.durationsMs[e.phase!] = e.durationMs!;
      continue;
    }
    switch (step) {
      case START:
        block.buildBeginNs = e.timeNs;
        break;
      case SPAWN_START:
        block.spawnBeginNs = e.timeNs;
        break;
      case SPAWN_START_2DP:
        block.spawnBeginNs ??= e.timeNs;
        break;
      case SPAWN_END_2DP:
        block.spawnEndNs ??= e.timeNs;
        break;
      case SPAWN_END:
        block.spawnEndNs = e.timeNs;
        break;
      case END:
        block.buildEndNs = e.timeNs;
        break;
      default:
        break;
    }
  }
  block.complete = block.buildBeginNs !== undefined && block.buildEndNs !== undefined;
  return block;
}

function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}

function within(x: bigint, lo: bigint, hi: bigint): boolean {
  return x >= lo && x <= hi;
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
