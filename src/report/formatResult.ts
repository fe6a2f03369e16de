/** The main job's output formats, from the result object. */
import type { AnalysisResult } from '../pipeline/types.js';
import { novaPhaseModel, nomadPhaseModel } from '../timeline/phaseModel.js';
import { requestsCsv } from './requestsCsv.js';
import { summaryText } from './summaryText.js';

export type ResultFormat = 'table' | 'json' | 'csv';
export const resultFormats: readonly ResultFormat[] = ['table', 'json', 'csv'];

export const phaseSequences: Record<string, readonly string[]> = {
  nova: novaPhaseModel.sequence,
  nomad: nomadPhaseModel.sequence,
};

export function formatResult(result: AnalysisResult, format: ResultFormat, opts: { requests?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return JSON.stringify(result, null, 2) + '\n';
    case 'csv':
      return requestsCsv(result);
    default:
      return summaryText(result, phaseSequences, opts);
  }
}
