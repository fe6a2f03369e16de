/**
 * OTLP export: the JSON has the shape of the OTLP/JSON encoding (hex ids of 16 and 8
 * bytes, nanosecond times as decimal strings), one trace per request with a root span and
 * a span per phase, sub-phases under their phase; the protobuf bytes, decoded with the
 * official opentelemetry-proto definitions, give back the same spans.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/pipeline/types.js';
import { otlpProtobuf } from '../../src/report/otlp/otlpProtobuf.js';
import { type OtlpSpan, otlpTraces } from '../../src/report/otlp/otlpTraces.js';
import { phaseModels } from '../../src/timeline/phaseModel.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { isoToNs, secretsOf } from '../helpers/groundTruth.js';

// The official .proto files, as shipped in this npm package (devDependency).
const require = createRequire(import.meta.url);
const protoDir = join(dirname(require.resolve('@opentelemetry/otlp-grpc-exporter-base/package.json')), 'build/protos');

function officialRequestType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) =>
    target.startsWith('opentelemetry/') ? join(protoDir, target) : protobuf.util.path.resolve(origin, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  return root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
}

const captures = ['nova-seq', 'nomad-2016-stock'];
const results: Record<string, AnalysisResult> = {};
beforeAll(async () => {
  for (const c of captures) results[c] = await analysedCapture(c);
});

const allSpans = (req: ReturnType<typeof otlpTraces>): OtlpSpan[] =>
  req.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));

describe('otlpTraces', () => {
  for (const c of captures) {
    it(`${c}: OTLP/JSON shape, one trace per request, a span per phase, parents per the phase model`, () => {
      const result = results[c];
      const req = otlpTraces(result);
      const spans = allSpans(req);
      for (const rs of req.resourceSpans) {
        const host = rs.resource.attributes.find((a) => a.key === 'host.name');
        expect(host?.value).toHaveProperty('stringValue');
        expect(rs.resource.attributes.some((a) => a.key === 'service.name')).toBe(true);
        // Each span sits under the resource of the host its phase ran on.
        const hostName = (host!.value as { stringValue: string }).stringValue;
        for (const s of rs.scopeSpans.flatMap((ss) => ss.spans)) {
          const attr = (k: string): string =>
            (s.attributes.find((a) => a.key === k)!.value as { stringValue: string }).stringValue;
          const r = result.requests.find((q) => q.id === attr('vim.request.id'))!;
          expect(r.phases[attr('vim.phase')]?.host ?? Object.values(r.phases)[0].host).toBe(hostName);
        }
      }
      for (const s of spans) {
        expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(s.traceId).not.toMatch(/^0+$/);
        expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
        expect(s.spanId).not.toMatch(/^0+$/);
        if (s.parentSpanId !== undefined) expect(s.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
        expect(s.startTimeUnixNano).toMatch(/^\d+$/);
        expect(s.endTimeUnixNano).toMatch(/^\d+$/);
        expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano)).toBe(true);
        expect(s.kind).toBe(1);
      }
      const traces = new Map<string, OtlpSpan[]>();
      for (const s of spans) traces.set(s.traceId, [...(traces.get(s.traceId) ?? []), s]);
      expect(traces.size).toBe(result.requests.length);
      expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);

      const model = phaseModels[result.vims[0] as 'nova' | 'nomad'];
      for (const r of result.requests) {
        const phaseOf = (s: OtlpSpan): string =>
          (s.attributes.find((a) => a.key === 'vim.phase')!.value as { stringValue: string }).stringValue;
        const mine = spans.filter(
          (s) =>
            (s.attributes.find((a) => a.key === 'vim.request.id')!.value as { stringValue: string }).stringValue ===
            r.id,
        );
        expect(new Set(mine.map((s) => s.traceId)).size).toBe(1);
        const roots = mine.filter((s) => s.parentSpanId === undefined);
        expect(roots.length).toBe(1);
        expect(phaseOf(roots[0])).toBe('total');
        // total is the root; every other phase is one span.
        expect(mine.map(phaseOf).sort()).toEqual([...new Set(['total', ...Object.keys(r.phases)])].sort());
        const byPhase = new Map(mine.map((s) => [phaseOf(s), s]));
        for (const [name, p] of Object.entries(r.phases)) {
          const s = byPhase.get(name)!;
          expect(BigInt(s.startTimeUnixNano)).toBe(isoToNs(p.start));
          expect(BigInt(s.endTimeUnixNano)).toBe(isoToNs(p.end));
          if (name === 'total') continue;
          const parent = model.phases.find((d) => d.name === name)?.parent;
          const expected = parent && r.phases[parent] ? byPhase.get(parent)!.spanId : roots[0].spanId;
          expect(s.parentSpanId, `${name}'s parent`).toBe(expected);
        }
      }
      const text = JSON.stringify(req);
      for (const secret of secretsOf(c)) expect(text).not.toContain(secret);
    });
  }

  it('nests sub-phases under their phase (Nova auth and image under api)', () => {
    const req = otlpTraces(results['nova-seq']);
    const spans = allSpans(req);
    const r = results['nova-seq'].requests.find((q) => q.phases.auth && q.phases.image)!;
    const mine = spans.filter((s) =>
      s.attributes.some((a) => a.key === 'vim.request.id' && (a.value as { stringValue: string }).stringValue === r.id),
    );
    const api = mine.find((s) => s.name === 'api')!;
    expect(mine.find((s) => s.name === 'auth')!.parentSpanId).toBe(api.spanId);
    expect(mine.find((s) => s.name === 'image')!.parentSpanId).toBe(api.spanId);
    expect(mine.find((s) => s.name === 'scheduling')!.parentSpanId).not.toBe(api.spanId);
  });

  it('derives ids from the request id: same input, same ids; different requests, different traces', () => {
    const a = JSON.stringify(otlpTraces(results['nova-seq']));
    const b = JSON.stringify(otlpTraces(structuredClone(results['nova-seq'])));
    expect(a).toBe(b);
    const r = structuredClone(results['nova-seq']);
    r.requests = [r.requests[0]];
    const one = allSpans(otlpTraces(r));
    r.requests[0].id = `${r.requests[0].id}x`;
    const other = allSpans(otlpTraces(r));
    expect(other[0].traceId).not.toBe(one[0].traceId);
  });
});

describe('otlpProtobuf', () => {
  for (const c of captures) {
    it(`${c}: the bytes decode with the official .proto files to the same spans (names, ids, times, parents, attributes)`, () => {
      const json = otlpTraces(results[c]);
      const bytes = otlpProtobuf(results[c]);
      expect(bytes).toBeInstanceOf(Uint8Array);
      const type = officialRequestType();
      const decoded = type.toObject(type.decode(bytes), {
        longs: String,
        enums: Number,
        bytes: Array,
        defaults: false,
      }) as {
        resourceSpans: {
          resource: { attributes: unknown[] };
          scopeSpans: { scope: { name: string; version: string }; spans: Record<string, unknown>[] }[];
        }[];
      };
      const hex = (b: unknown): string | undefined =>
        Array.isArray(b) && b.length ? Buffer.from(b as number[]).toString('hex') : undefined;
      expect(decoded.resourceSpans.length).toBe(json.resourceSpans.length);
      decoded.resourceSpans.forEach((rs, i) => {
        expect(rs.resource.attributes).toEqual(json.resourceSpans[i].resource.attributes);
        expect(rs.scopeSpans[0].scope).toEqual(json.resourceSpans[i].scopeSpans[0].scope);
        const back = rs.scopeSpans[0].spans.map((s) => ({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: s.startTimeUnixNano,
          endTimeUnixNano: s.endTimeUnixNano,
          attributes: s.attributes,
        }));
        const expected = json.resourceSpans[i].scopeSpans[0].spans.map((s) => ({ ...s, parentSpanId: s.parentSpanId }));
        expect(back).toEqual(expected);
      });
    });
  }
});
