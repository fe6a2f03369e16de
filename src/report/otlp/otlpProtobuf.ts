/** OTLP traces as protobuf bytes (what an OTLP/HTTP collector takes at /v1/traces). */
import { createRequire } from 'node:module';
import type protobuf from 'protobufjs';
import type { AnalysisResult } from '../../result/types.js';
import { otlpTraceDescriptor } from './otlpSchema.js';
import { type ExportTraceServiceRequest, otlpTraces } from './otlpTraces.js';

let requestType: protobuf.Type | undefined;

function exportRequestType(): protobuf.Type {
  if (!requestType) {
    // Loaded on first use: protobufjs slows start-up, and most runs never write protobuf.
    const { Root } = createRequire(import.meta.url)('protobufjs') as typeof protobuf;
    requestType = Root.fromJSON(otlpTraceDescriptor).lookupType(
      'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
    );
  }
  return requestType;
}

const hexBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

/** OTLP/JSON → the protobuf message: ids from hex to bytes (JSON's only encoding difference we use). */
export function encodeOtlp(request: ExportTraceServiceRequest): Uint8Array {
  const plain = {
    resourceSpans: request.resourceSpans.map((rs) => ({
      ...rs,
      scopeSpans: rs.scopeSpans.map((ss) => ({
        ...ss,
        spans: ss.spans.map((s) => ({
          ...s,
          traceId: hexBytes(s.traceId),
          spanId: hexBytes(s.spanId),
          parentSpanId: s.parentSpanId ? hexBytes(s.parentSpanId) : undefined,
        })),
      })),
    })),
  };
  const type = exportRequestType();
  return type.encode(type.fromObject(plain)).finish();
}

export function otlpProtobuf(result: AnalysisResult): Uint8Array {
  return encodeOtlp(otlpTraces(result));
}
