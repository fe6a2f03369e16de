/** Which phase a sub-phase nests in, from the phase model tables (not from names). */
import { phaseModels } from '../timeline/phaseModel.js';
import type { ResultRequest } from '../result/types.js';

const parents: Record<string, Record<string, string | undefined>> = Object.fromEntries(
  Object.entries(phaseModels).map(([vim, model]) => [
    vim,
    Object.fromEntries(model.phases.map((p) => [p.name, p.parent])),
  ]),
);

/** The phase this one nests in, or undefined for a top-level phase. */
export function parentPhase(vim: string, phase: string): string | undefined {
  return parents[vim]?.[phase];
}

/** How deep a phase nests (0 for top level). */
export function phaseDepth(vim: string, phase: string): number {
  let depth = 0;
  for (let p = parentPhase(vim, phase); p !== undefined && depth < 8; p = parentPhase(vim, p)) depth++;
  return depth;
}

/** The sequential phases of a VIM (they add up to total). */
export function phaseSequence(vim: string): readonly string[] {
  return (phaseModels as Record<string, { sequence: readonly string[] }>)[vim]?.sequence ?? [];
}

/** Every phase name of a VIM's model, in table order (sequence and sub-phases, then the rest). */
export function phaseNames(vim: string): string[] {
  return (phaseModels as Record<string, { phases: { name: string }[] }>)[vim]?.phases.map((p) => p.name) ?? [];
}

/** A request's phases in model order, unknown names last. */
export function orderedPhases(r: ResultRequest): string[] {
  const known = phaseNames(r.vim);
  const names = Object.keys(r.phases);
  return [...known.filter((n) => names.includes(n)), ...names.filter((n) => !known.includes(n))];
}

/** Colour order for a VIM: the sequence first (the chart's phases), then every other phase. */
export function colourOrder(vim: string): string[] {
  const seq = phaseSequence(vim);
  return [...seq, ...phaseNames(vim).filter((n) => !seq.includes(n))];
}
