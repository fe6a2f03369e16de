/**
 * `vim-analyse figures`: the original study's four charts from captures (and compute-host
 * logs), one bar per configuration — Nova's total breakdown (its Figure 14) and spawn
 * breakdown (15), Nomad's total breakdown (16) and driver breakdown (17).
 */
import { analyse, type AnalyseOptions } from './analyse.js';
import type { AnalysisResult } from '../result/types.js';
import { phaseChartSvg } from '../report/phaseChartSvg.js';
import { colourOrder } from '../report/phaseTree.js';
import { nomadLogPhases, novaPhaseModel, nomadPhaseModel } from '../timeline/phaseModel.js';
import type { Vim } from '../dissectors/types.js';
import { describe } from '../stats/phaseStats.js';
import type { PhaseStats } from '../stats/types.js';

export interface Configuration {
  label: string;
  captures: string[];
  logs?: string[];
}

/** A phase drawn as two segments: its part (a nested sub-phase) and the rest of it. */
export interface FigureSplit {
  whole: string;
  part: string;
}

/** The study's figures: which VIM, which phases stacked (all required unless `optional`). */
export const studyFigures: readonly {
  id: string;
  figure: number;
  vim: Vim;
  title: string;
  phases: readonly string[];
  optional?: readonly string[];
  split?: FigureSplit;
}[] = [
  {
    id: 'fig14-nova-total',
    figure: 14,
    vim: 'nova',
    title: 'Nova VM start breakdown',
    phases: novaPhaseModel.sequence,
  },
  // With real Neutron most of libvirt_spawn is the wait for network-vif-plugged: drawn next
  // to create image, XML and the rest of libvirt_spawn where the log marks it.
  {
    id: 'fig15-nova-spawn',
    figure: 15,
    vim: 'nova',
    title: 'Nova spawn breakdown',
    phases: ['spawn.create_image', 'spawn.generate_xml', 'spawn.libvirt_spawn', 'spawn.vif_plugged_wait'],
    optional: ['spawn.vif_plugged_wait'],
    split: { whole: 'spawn.libvirt_spawn', part: 'spawn.vif_plugged_wait' },
  },
  {
    id: 'fig16-nomad-total',
    figure: 16,
    vim: 'nomad',
    title: 'Nomad job start breakdown',
    phases: nomadPhaseModel.sequence,
  },
  { id: 'fig17-nomad-driver', figure: 17, vim: 'nomad', title: 'Nomad driver breakdown', phases: nomadLogPhases },
];

export interface Figure {
  id: string;
  figure: number;
  title: string;
  svg: string;
  /** Configurations drawn (those with statistics for every phase of the figure). */
  drawn: string[];
  /** Configurations left out, with why. */
  skipped: { label: string; reason: string }[];
}

export async function makeFigures(
  configs: readonly Configuration[],
  options: AnalyseOptions = {},
): Promise<{ figures: Figure[]; results: { label: string; result: AnalysisResult }[] }> {
  const results: { label: string; result: AnalysisResult }[] = [];
  for (const c of configs)
    results.push({ label: c.label, result: await analyse(c.captures, { ...options, logFiles: c.logs }) });
  const figures: Figure[] = [];
  for (const f of studyFigures) {
    const groups = [],
      skipped: Figure['skipped'] = [];
    for (const { label, result } of results) {
      const stats = result.stats[f.vim];
      const lacking = f.phases.filter((p) => !stats?.[p] && !f.optional?.includes(p));
      if (!stats) continue; // not this VIM's configuration
      if (lacking.length)
        skipped.push({
          label,
          reason:
            `no ${lacking.join(', ')} ` +
            `(${f.figure === 15 || f.figure === 17 ? 'give the compute-host log' : 'incomplete requests'})`,
        });
      else
        groups.push({
          label: f.split && stats[f.split.part] ? `${label} (${f.split.part} split out)` : label,
          stats: f.split ? splitPhaseStats(result, f.vim, f.split) : stats,
        });
    }
    if (groups.length === 0) continue;
    figures.push({
      id: f.id,
      figure: f.figure,
      title: f.title,
      svg: phaseChartSvg(groups, f.phases, {
        title: `${f.title} (the study's Fig. ${f.figure})`,
        colourOrder: colourOrder(f.vim),
      }),
      drawn: groups.map((g) => g.label),
      skipped,
    });
  }
  return { figures, results };
}

/**
 * `split.whole`'s statistics replaced by those of the whole minus its part, over the
 * complete requests that have both; unchanged when no request has the part.
 */
export function splitPhaseStats(result: AnalysisResult, vim: Vim, split: FigureSplit): Record<string, PhaseStats> {
  const stats = result.stats[vim] ?? {};
  if (!stats[split.part]) return stats;
  const rest = result.requests
    .filter((r) => r.vim === vim && r.complete && r.phases[split.whole] && r.phases[split.part])
    .map((r) => r.phases[split.whole].ms - r.phases[split.part].ms);
  const described = describe(rest);
  return described ? { ...stats, [split.whole]: described } : stats;
}
