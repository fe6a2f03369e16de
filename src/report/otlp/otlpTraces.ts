/**
 * OTLP/JSON traces (`ExportTraceServiceRequest`, per the OTLP/JSON encoding: camelCase
 * fields, ids as hex, 64-bit integers as decimal strings, enums as numbers). One trace
 * per request: a root span for the whole request (the `total` phase, or the measured
 * span of an incomplete one), a span per phase, sub-phases parented to their phase.
 * Spans are grouped by host, and the host is the resource.
 */
import type { AnalysisResult, ResultRequest } from '../../result/types.js';
import { isoToUnixNs } from '../isoTime.js';
import { orderedPhases, parentPhase } from '../phaseTree.js';
import { requestSpan } from '../requestMessages.js';
import { spanIdOf, traceIdOf } from './traceIds.js';

export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } };

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
}

export interface OtlpResourceSpans {
  resource: { attributes: KeyValue[] };
  scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
}

export interface ExportTraceServiceRequest {
  resourceSpans: OtlpResourceSpans[];
}

/** SpanKind: INTERNAL — these spans are intervals measured from outside, not instrumented calls. */
export const SPAN_KIND_INTERNAL = 1;
export const scope = { name: 'vim-analyse', version: '0.1.0' };

const str = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });
const bool = (key: string, v: boolean): KeyValue => ({ key, value: { boolValue: v } });
const dbl = (key: string, v: number): KeyValue => ({ key, value: { doubleValue: v } });
const strs = (key: string, v: string[]): KeyValue => ({
  key,
  value: { arrayValue: { values: v.map((s) => ({ stringValue: s })) } },
});

function keyAttributes(r: ResultRequest): KeyValue[] {
  return Object.entries(r.keys)
    .filter(([, v]) => typeof v === 'string')
    .map(([k, v]) => str(`vim.key.${k}`, v));
}

/** Every span of one request, each with the host it ran on. */
export function requestSpans(r: ResultRequest): { host: string; span: OtlpSpan }[] {
  const whole = requestSpan(r);
  if (!whole) return [];
  const traceId = traceIdOf(r.vim, r.id);
  const rootId = spanIdOf(r.vim, r.id, 'total');
  const total = r.phases.total;
  const rootHost = total?.host ?? Object.values(r.phases)[0].host;
  const rootStart = (total && isoToUnixNs(total.start)) ?? whole.start;
  const rootEnd = (total && isoToUnixNs(total.end)) ?? whole.end;
  const out: { host: string; span: OtlpSpan }[] = [
    {
      host: rootHost,
      span: {
        traceId,
        spanId: rootId,
        name: `${r.vim} VM start`,
        kind: SPAN_KIND_INTERNAL,
        startTimeUnixNano: rootStart.toString(),
        endTimeUnixNano: rootEnd.toString(),
        attributes: [
          str('vim.name', r.vim),
          str('vim.request.id', r.id),
          str('vim.phase', 'total'),
          ...(total ? [dbl('vim.phase.ms', total.ms)] : []),
          bool('vim.complete', r.complete),
          ...keyAttributes(r),
          ...(r.missing.length ? [strs('vim.missing', r.missing)] : []),
          ...Object.entries(r.absent ?? {}).map(([p, why]) => str(`vim.absent.${p}`, why)),
        ],
      },
    },
  ];
  for (const name of orderedPhases(r)) {
    if (name === 'total') continue;
    const p = r.phases[name];
    const start = isoToUnixNs(p.start);
    const end = isoToUnixNs(p.end);
    if (start === null || end === null) continue;
    // A sub-phase hangs under its phase when that was measured, else under the root.
    let parent = parentPhase(r.vim, name);
    while (parent !== undefined && !r.phases[parent]) parent = parentPhase(r.vim, parent);
    out.push({
      host: p.host,
      span: {
        traceId,
        spanId: spanIdOf(r.vim, r.id, name),
        parentSpanId: parent === undefined ? rootId : spanIdOf(r.vim, r.id, parent),
        name,
        kind: SPAN_KIND_INTERNAL,
        startTimeUnixNano: start.toString(),
        endTimeUnixNano: (end < start ? start : end).toString(),
        attributes: [
          str('vim.name', r.vim),
          str('vim.request.id', r.id),
          str('vim.phase', name),
          dbl('vim.phase.ms', p.ms),
          str('vim.phase.source', p.source),
          ...(p.approx ? [bool('vim.phase.approx', true), str('vim.phase.substitute', p.substitute ?? '')] : []),
        ],
      },
    });
  }
  return out;
}

export function otlpTraces(result: AnalysisResult): ExportTraceServiceRequest {
  return otlpTracesOf(result.requests, result.vims);
}

/** The spans of these requests, grouped by host (the resource); `vims` names the service. */
export function otlpTracesOf(requests: Iterable<ResultRequest>, vims: readonly string[]): ExportTraceServiceRequest {
  const byHost = new Map<string, OtlpSpan[]>();
  for (const r of requests)
    for (const { host, span } of requestSpans(r)) {
      const list = byHost.get(host) ?? [];
      list.push(span);
      byHost.set(host, list);
    }
  return { resourceSpans: [...byHost].map(([host, spans]) => hostResourceSpans(host, spans, vims)) };
}

export function hostResourceSpans(host: string, spans: OtlpSpan[], vims: readonly string[]): OtlpResourceSpans {
  return {
    resource: { attributes: [str('service.name', `${vims.join(',') || 'vim'}@${host}`), str('host.name', host)] },
    scopeSpans: [{ scope, spans }],
  };
}
