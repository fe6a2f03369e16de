/**
 * What a capture worker (captureWorker.ts) tells the main thread (parallelCapture.ts).
 *
 * Every worker reads the whole capture and runs the same net stage, so all of them number
 * the same steps alike: each call into a connection's stream handler, each packet's end,
 * each net or capture warning is one step of `seq`. A step belongs to one worker (a
 * connection's to its owner, the others to worker 0), which records what it caused as
 * actions `[seq, kind, payload]`; the main thread replays the actions of all workers in
 * `seq` order, which is the order the single-threaded session does the same things in.
 */
import type { CaptureSummary } from '../capture/types.js';
import type { NetCounters, ReassemblyLimits } from '../net/types.js';
import type { ProtocolCounters, ProtocolLimits } from '../protocols/types.js';
import type { Vim } from '../dissectors/types.js';
import type { Vantage } from './vantage.js';
import type { EncodedBatch } from './batchCodec.js';

export const Action = {
  /** An HTTP exchange without its bodies, and its dissection: [HttpExchange, HttpDissection]. */
  http: 0,
  /** An AMQP message and its oslo decoding: [AmqpMessage, OsloPredecoded | undefined]. */
  amqp: 1,
  /** A Nomad RPC event (NomadRpcEvent). */
  nomadRpc: 2,
  /** A warning, as the session words it. */
  warn: 3,
  /** A net warning: { message, limit?, ts? }. */
  netWarning: 4,
  /** A counter key made for the first time: [group, name]. */
  counterKey: 5,
  /** A new TLS connection: [key, summary]. */
  tlsNew: 6,
  /** A TLS connection's summary changed: [key, summary]. */
  tlsUpdate: 7,
  /** The session's once-a-second poll at this capture time. */
  poll: 8,
  /** Bytes read so far. */
  progress: 9,
  /** The capture's summary as reading starts. */
  start: 10,
} as const;

export interface CaptureWorkerData {
  path: string;
  /** This worker's number and how many there are: it owns the connections whose id ≡ index (mod count). */
  index: number;
  count: number;
  vim?: Vim;
  nomadApiPorts?: number[];
  limits?: Partial<ProtocolLimits>;
  reassembly?: Partial<ReassemblyLimits>;
  /** One Int32 per worker: batches the main thread has replayed (back-pressure). */
  consumed: SharedArrayBuffer;
  /** The AMQP bodies decoded by any worker (decodedBodies.ts). */
  decodedBodies: SharedArrayBuffer;
}

/** Worker 0's end of reading: what the session records of the capture. */
export interface CaptureDone {
  summary: CaptureSummary;
  net: NetCounters;
  vantage: Vantage;
}

export interface WorkerBatch {
  /** Every action of a step up to this one has been sent. */
  through: number;
  /** Flat triples seq, kind, payload (batchCodec.ts), this many values; none with an error. */
  count: number;
  actions?: EncodedBatch;
  /** Unix ns of the session's first packet, once known (worker 0). */
  epochNs?: bigint | null;
  /** Last batch: the worker's counter totals (and worker 0's capture record). */
  done?: { counters: ProtocolCounters; capture?: CaptureDone };
  /** Reading failed: the error's name, message and (system errors) code, path, syscall, errno. */
  error?: { name: string; message: string; system?: Record<string, string | number> };
}
