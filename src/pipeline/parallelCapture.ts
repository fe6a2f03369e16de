/**
 * One capture read by several worker threads (captureWorker.ts), each parsing the
 * connections it owns; their actions are replayed here in step order (workerActions.ts),
 * so the session sees exactly what it would have seen reading the capture itself.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { SessionClock } from '../capture/sessionClock.js';
import { UnusableInputError } from '../capture/types.js';
import type { ReassemblyLimits } from '../net/types.js';
import type { AmqpMessage, HttpExchange, ProtocolCounters, ProtocolLimits } from '../protocols/types.js';
import type { TlsConnectionSummary } from '../protocols/tls/types.js';
import type { CaptureSummary } from '../capture/types.js';
import type { OsloPredecoded } from '../dissectors/nova/osloCorrelator.js';
import type { NomadRpcEvent } from '../dissectors/nomad/types.js';
import type { Vim } from '../dissectors/types.js';
import type { HttpDissection } from './httpDissection.js';
import { BatchDecoder } from './batchCodec.js';
import { decodedBodiesBuffer } from './decodedBodies.js';
import { Action, type CaptureDone, type CaptureWorkerData, type WorkerBatch } from './workerActions.js';

/** What the session does with the replayed actions. */
export interface ReplayTarget {
  /** An exchange without its bodies, and its dissection. */
  http(ex: HttpExchange, dissected: HttpDissection): void;
  amqp(m: AmqpMessage, pre: OsloPredecoded | undefined): void;
  nomadRpc(ev: NomadRpcEvent): void;
  warn(message: string): void;
  netWarning(w: { message: string; limit?: string; ts?: number }): void;
  counterKey(group: string, name: string): void;
  /** A new TLS connection's summary (kept up to date by later actions). */
  tls(summary: TlsConnectionSummary): void;
  poll(now: number): void;
  progress(bytesRead: number): void;
  start(summary: CaptureSummary): void;
}

export interface ParallelOptions {
  workers: number;
  vim?: Vim;
  /** Default: Nomad's (4646). */
  nomadApiPorts?: number[];
  limits?: Partial<ProtocolLimits>;
  reassembly?: Partial<ReassemblyLimits>;
  signal?: AbortSignal;
}

export interface ParallelDone extends CaptureDone {
  /** Each worker's counter totals (their keys were made by `counterKey` actions already). */
  counters: ProtocolCounters[];
}

/** A worker's error as the one-thread path would have thrown it (the CLI tells them apart by class and code). */
function errorOf(e: NonNullable<WorkerBatch['error']>): Error {
  if (e.name === 'UnusableInputError') return new UnusableInputError(e.message);
  return Object.assign(new Error(e.message), { name: e.name }, e.system);
}

/** The built worker beside this module (dist/src, or the CLI bundle's dist/cli); from the sources, dist/src's. */
function workerUrl(): URL {
  const here = new URL('./captureWorker.js', import.meta.url);
  return existsSync(here) ? here : new URL('../../dist/src/pipeline/captureWorker.js', import.meta.url);
}

interface Feed {
  worker: Worker;
  decoder: BatchDecoder;
  /** Each batch's flat actions (seq, kind, payload triples), oldest first. */
  batches: unknown[][];
  /** Next action (index of its seq) in batches[0]. */
  at: number;
  through: number;
  done: WorkerBatch['done'];
}

export function readCaptureInWorkers(
  path: string,
  options: ParallelOptions,
  clock: SessionClock,
  target: ReplayTarget,
): Promise<ParallelDone> {
  const n = options.workers;
  const consumed = new SharedArrayBuffer(4 * n);
  const replayed = new Int32Array(consumed);
  const decodedBodies = decodedBodiesBuffer();
  const tls = new Map<string, TlsConnectionSummary>();
  const feeds: Feed[] = [];
  return new Promise<ParallelDone>((resolve, reject) => {
    let settled = false;
    const stop = (e: Error) => {
      if (settled) return;
      settled = true;
      for (const f of feeds) void f.worker.terminate();
      options.signal?.removeEventListener('abort', onAbort);
      // As readCapture: an abort rejects with the signal's reason, whatever it is.
      reject(e);
    };
    const onAbort = () => stop(options.signal!.reason as Error);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort);

    const apply = (kind: number, p: unknown) => {
      switch (kind) {
        case Action.http: {
          const [ex, d] = p as [HttpExchange, HttpDissection];
          return target.http(ex, d);
        }
        case Action.amqp: {
          const [m, pre] = p as [AmqpMessage, OsloPredecoded | undefined];
          return target.amqp(m, pre);
        }
        case Action.nomadRpc:
          return target.nomadRpc(p as NomadRpcEvent);
        case Action.warn:
          return target.warn(p as string);
        case Action.netWarning:
          return target.netWarning(p as { message: string; limit?: string; ts?: number });
        case Action.counterKey: {
          const [g, k] = p as [string, string];
          return target.counterKey(g, k);
        }
        case Action.tlsNew: {
          const [key, s] = p as [string, TlsConnectionSummary];
          tls.set(key, s);
          return target.tls(s);
        }
        case Action.tlsUpdate: {
          const [key, s] = p as [string, TlsConnectionSummary];
          Object.assign(tls.get(key)!, s);
          return;
        }
        case Action.poll:
          return target.poll(p as number);
        case Action.progress:
          return target.progress(p as number);
        case Action.start:
          return target.start(p as CaptureSummary);
      }
    };

    /** Worker i's batch is replayed: it waits on this count before sending more. */
    const credit = (i: number) => {
      Atomics.add(replayed, i, 1);
      Atomics.notify(replayed, i);
    };
    /** A worker's oldest batch is spent. */
    const spend = (f: Feed, i: number) => {
      f.batches.shift();
      f.at = 0;
      credit(i);
    };

    /** Replay, in step order, every action of the steps all workers have passed. */
    const replay = () => {
      // A worker that is done has sent everything (if a pressed byte budget made the workers' net stages differ, they
      // may end on different steps).
      const bound = Math.min(...feeds.map((f) => (f.done ? Number.POSITIVE_INFINITY : f.through)));
      for (;;) {
        let next: Feed | null = null,
          nextSeq = Number.POSITIVE_INFINITY;
        for (const f of feeds) {
          const b = f.batches[0];
          if (b === undefined) continue;
          const s = b[f.at] as number;
          if (s < nextSeq) {
            nextSeq = s;
            next = f;
          }
        }
        if (next === null || nextSeq > bound) return;
        const i = feeds.indexOf(next);
        while (next.batches.length) {
          const a = next.batches[0];
          if (next.at >= a.length) {
            spend(next, i);
            continue;
          }
          if (a[next.at] !== nextSeq) break;
          apply(a[next.at + 1] as number, a[next.at + 2]);
          next.at += 3;
        }
      }
    };

    const finishIfDone = () => {
      if (!feeds.every((f) => f.done && f.batches.length === 0)) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      const capture = feeds[0].done!.capture!;
      resolve({ ...capture, counters: feeds.map((f) => f.done!.counters) });
      for (const f of feeds) void f.worker.terminate();
    };

    const url = workerUrl();
    for (let index = 0; index < n; index++) {
      const data: CaptureWorkerData = {
        path,
        index,
        count: n,
        vim: options.vim,
        nomadApiPorts: options.nomadApiPorts,
        limits: options.limits,
        reassembly: options.reassembly,
        consumed,
        decodedBodies,
      };
      const feed: Feed = {
        worker: new Worker(url, { workerData: data }),
        decoder: new BatchDecoder(),
        batches: [],
        at: 0,
        through: 0,
        done: undefined,
      };
      feeds.push(feed);
      feed.worker.on('message', (b: WorkerBatch) => {
        if (settled) return;
        if (b.error) return stop(errorOf(b.error));
        if (b.epochNs != null && clock.epochNs === null) clock.relativeFromUnixNs(b.epochNs);
        if (b.count) feed.batches.push(feed.decoder.decode(b.actions!));
        else credit(index);
        feed.through = b.through;
        if (b.done) feed.done = b.done;
        try {
          replay();
          // Batches with no action left are spent.
          for (const [i, f] of feeds.entries()) {
            while (f.batches.length && f.at >= f.batches[0].length) spend(f, i);
          }
          finishIfDone();
        } catch (e) {
          stop(e as Error);
        }
      });
      feed.worker.on('error', (e) => stop(e as Error));
      feed.worker.on('exit', (code) => {
        if (!settled && !feed.done)
          stop(new Error(`capture worker ${index} exited (code ${code}) before the end of the capture`));
      });
    }
  });
}
