/**
 * Capture file → TCP streams in one call: the capture and net stages wired together.
 * The stream handlers from `factory` receive every connection's bytes.
 */
import { readCapture, type CaptureSource, type ReadCaptureOptions } from '../capture/readCapture.js';
import { SessionClock } from '../capture/sessionClock.js';
import type { CaptureSummary, CaptureWarning } from '../capture/types.js';
import { PacketDecoder, type PacketDecoderOptions } from './packetDecoder.js';
import type { ConnectionStats, NetCounters, NetWarning, StreamHandlerFactory } from './types.js';

export interface ReassembleResult {
  capture: CaptureSummary;
  net: NetCounters;
  connections: ConnectionStats[];
  clock: SessionClock;
  linkTypes: Map<number, number>;
  /** Packets taken out of each encapsulation, by name. */
  encapsulations: Map<string, number>;
  warnings: (CaptureWarning | NetWarning)[];
}

export interface ReassembleOptions extends PacketDecoderOptions {
  clock?: SessionClock;
  onProgress?: ReadCaptureOptions['onProgress'];
  /** Max warnings kept in the result (all are counted). */
  maxWarnings?: number;
  /** Stop reading (rejects with the signal's reason). */
  signal?: AbortSignal;
}

export async function reassembleTcp(
  source: CaptureSource,
  factory: StreamHandlerFactory,
  options: ReassembleOptions = {},
): Promise<ReassembleResult> {
  const clock = options.clock ?? new SessionClock();
  const warnings: (CaptureWarning | NetWarning)[] = [];
  const maxWarnings = options.maxWarnings ?? 1000;
  const keep = (w: CaptureWarning | NetWarning) => {
    if (warnings.length < maxWarnings) warnings.push(w);
  };
  const decoder = new PacketDecoder(factory, {
    ...options,
    onNetWarning: (w) => {
      keep(w);
      options.onNetWarning?.(w);
    },
  });
  const capture = await readCapture(source, (r) => decoder.record(r), {
    clock,
    onWarning: keep,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  decoder.end();
  return {
    capture,
    net: decoder.counters,
    connections: decoder.tcp.connections(),
    clock,
    linkTypes: decoder.linkTypes,
    encapsulations: decoder.encapsulations,
    warnings,
  };
}
