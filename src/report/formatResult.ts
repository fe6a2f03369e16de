/** The main job's output formats, from the result object. */
import type { AnalysisResult, MessageLine } from '../result/types.js';
import { phaseChartSvg } from './phaseChartSvg.js';
import { reportHtml } from './reportHtml.js';
import { chromeTrace } from './chromeTrace.js';
import { otlpTraces } from './otlp/otlpTraces.js';
import { otlpProtobuf } from './otlp/otlpProtobuf.js';
import { colourOrder } from './phaseTree.js';
import { novaPhaseModel, nomadPhaseModel } from '../timeline/phaseModel.js';
import { requestsCsv } from './requestsCsv.js';
import { summaryText } from './summaryText.js';

import type { ResultFormat } from './resultFormats.js';
export { formatsWithMessages, resultFormats, type ResultFormat } from './resultFormats.js';

/** The phase-breakdown chart: one bar per VIM of the result (or per configuration, for compare). */
export function breakdownSvg(groups: { label: string; result: AnalysisResult }[], title?: string): string {
  const vims = [...new Set(groups.flatMap((g) => g.result.vims))];
  const charts = vims.map((vim) =>
    phaseChartSvg(
      groups.filter((g) => g.result.stats[vim]).map((g) => ({ label: g.label, stats: g.result.stats[vim] })),
      phaseSequences[vim] ?? [],
      { title: title ?? `${vim}: where the time goes (mean ms, 95% CI whiskers)`, colourOrder: colourOrder(vim) },
    ),
  );
  return charts.length === 1 ? charts[0] : charts.join('\n');
}

export const phaseSequences: Record<string, readonly string[]> = {
  nova: novaPhaseModel.sequence,
  nomad: nomadPhaseModel.sequence,
};

export function formatResult(
  result: AnalysisResult,
  format: ResultFormat,
  opts: { requests?: boolean; messages?: MessageLine[]; label?: string } = {},
): string | Uint8Array {
  switch (format) {
    case 'json':
      return JSON.stringify(result, null, 2) + '\n';
    case 'csv':
      return requestsCsv(result);
    case 'svg':
      return breakdownSvg([
        { label: opts.label ?? result.captures.map((c) => c.file.split('/').pop()).join(' + '), result },
      ]);
    case 'html':
      return reportHtml(result, { messages: opts.messages });
    case 'chrome':
      return JSON.stringify(chromeTrace(result, { messages: opts.messages })) + '\n';
    case 'otlp':
      return JSON.stringify(otlpTraces(result)) + '\n';
    case 'otlp-proto':
      return otlpProtobuf(result);
    default:
      return summaryText(result, phaseSequences, opts);
  }
}
