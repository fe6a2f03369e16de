/**
 * A worker thread of a parallel analysis (parallelCapture.ts): reads the whole capture,
 * runs the net stage on every packet (cheap, and the same in every worker, so connection
 * ids, limits and idle ends agree), and parses and dissects only the connections it owns.
 * What the session would do with them is sent back as actions (workerActions.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readCapture } from '../capture/readCapture.js';
import { SessionClock } from '../capture/sessionClock.js';
import { PacketDecoder } from '../net/packetDecoder.js';
import type { StreamHandler } from '../net/types.js';
import { withDefaults } from '../net/withDefaults.js';
import { senderRole } from '../protocols/guessProtocol.js';
import { byteBudget } from '../protocols/byteBudget.js';
import { SniffingHandler } from '../protocols/sniffingHandler.js';
import type { TlsConnectionParser } from '../protocols/tls/tlsConnectionParser.js';
import {
  defaultProtocolLimits,
  onNewCounterKey,
  type AmqpMessage,
  type Header,
  type HttpExchange,
  type HttpMessage,
  type ProtocolContext,
  type ProtocolCounters,
} from '../protocols/types.js';
import { osloPredecode } from '../dissectors/nova/osloCorrelator.js';
import { parserFor, type ParserChoice } from './connectionParsers.js';
import { dissectHttp } from './httpDissection.js';
import { defaultNomadApiPorts } from '../dissectors/nomad/httpEvents.js';
import { inferVantage } from './vantage.js';
import { BatchEncoder } from './batchCodec.js';
import { DecodedBodies } from './decodedBodies.js';
import { Action, type CaptureWorkerData, type WorkerBatch } from './workerActions.js';

/** Packets between two batches. */
const packetsPerBatch = 2048;
/** Batches sent and not yet replayed before the worker waits for the main thread. */
const maxUnreplayed = 8;

const data = workerData as CaptureWorkerData;
const port = parentPort!;
const replayed = new Int32Array(data.consumed);
const global = data.index === 0;

let seq = 0;
let actions: unknown[] = [];
let sent = 0;
const encoder = new BatchEncoder();
const clock = new SessionClock();

/** The TLS connection whose handler is running, with its summary as last sent. */
let tlsRunning: { key: string; p: TlsConnectionParser; sent: string } | null = null;

function push(kind: number, payload: unknown): void {
  if (tlsRunning !== null) noteTlsChange();
  actions.push(seq, kind, payload);
}

function noteTlsChange(): void {
  const t = tlsRunning!;
  const now = JSON.stringify(t.p.summary);
  if (now === t.sent) return;
  t.sent = now;
  actions.push(seq, Action.tlsUpdate, [t.key, structuredClone(t.p.summary)]);
}

function send(extra: Partial<WorkerBatch> = {}): void {
  const { batch: encoded, transfer } = encoder.encode(actions);
  const batch: WorkerBatch = {
    through: seq,
    count: actions.length,
    actions: encoded,
    ...(global ? { epochNs: clock.epochNs } : {}),
    ...extra,
  };
  actions = [];
  port.postMessage(batch, transfer);
  sent++;
  // Bounded memory when the main thread is the slower side.
  for (let r = Atomics.load(replayed, data.index); sent - r > maxUnreplayed; r = Atomics.load(replayed, data.index))
    Atomics.wait(replayed, data.index, r, 100);
}

/**
 * Bodies and headers stay here: the exchange's dissection is sent with it, and the main
 * thread reads only X-Forwarded-For (proxyLegs.ts).
 */
const noBody = new Uint8Array(0);
const isForwardedFor = (h: Header) => h[0].length === 15 && h[0].toLowerCase() === 'x-forwarded-for';
const lean = <T extends HttpMessage>({ trailers: _, ...m }: T): T =>
  ({ ...m, body: noBody, headers: m.headers.filter(isForwardedFor) }) as T;
const decodedBodies = new DecodedBodies(data.decodedBodies);
const nomadApiPorts = data.nomadApiPorts ? new Set(data.nomadApiPorts) : defaultNomadApiPorts;

// The main thread makes each counter key when this worker made it: JSON keeps key order.
const counters: ProtocolCounters = {};
onNewCounterKey(counters, (group, name) => push(Action.counterKey, [group, name]));
const ctx: ProtocolContext = {
  counters,
  warn: (w) => push(Action.warn, `${w.protocol}${w.conn !== undefined ? ` connection ${w.conn}` : ''}: ${w.message}`),
  limits: withDefaults(defaultProtocolLimits, data.limits),
};
let tlsCount = 0;
const choice: ParserChoice = {
  ctx,
  vim: data.vim,
  nomadApiPorts,
  sinks: {
    http: (ex: HttpExchange) =>
      push(Action.http, [
        { ...ex, request: lean(ex.request), response: ex.response && lean(ex.response) },
        dissectHttp(ex, data.vim, nomadApiPorts),
      ]),
    amqp: (m: AmqpMessage) => {
      const pre = osloPredecode(m, (fingerprint, length) => decodedBodies.has(fingerprint, length));
      if (pre?.decoded) decodedBodies.add(pre.fingerprint, pre.bodyLength);
      push(Action.amqp, [{ ...m, body: pre?.decoded ? noBody : m.body.slice() }, pre]);
    },
    nomadRpc: (ev) => push(Action.nomadRpc, ev),
    tls: (p) => {
      const key = `${data.index}:${tlsCount++}`;
      push(Action.tlsNew, [key, structuredClone(p.summary)]);
      return watchedTls(key, p);
    },
  },
};

/** A TLS parser whose summary changes are sent as they happen. */
function watchedTls(key: string, p: TlsConnectionParser): StreamHandler {
  const run = (f: () => void) => {
    const outer = tlsRunning;
    tlsRunning = { key, p, sent: JSON.stringify(p.summary) };
    f();
    noteTlsChange();
    tlsRunning = outer;
  };
  return {
    data: (dir, bytes, ts) => run(() => p.data(dir, bytes, ts)),
    gap: (dir, n, ts) => run(() => p.gap(dir, n, ts)),
    end: (dir, ts, reason) => run(() => p.end(dir, ts, reason)),
  };
}

const decoder = new PacketDecoder(
  (conn) => {
    const h = conn.id % data.count === data.index ? new SniffingHandler(conn, (p, c) => parserFor(choice, p, c)) : null;
    return {
      data(dir, bytes, ts) {
        seq++;
        h?.data(dir, bytes, ts);
      },
      gap(dir, n, ts) {
        seq++;
        h?.gap(dir, n, ts);
      },
      end(dir, ts, reason) {
        seq++;
        h?.end(dir, ts, reason);
      },
    };
  },
  {
    limits: data.reassembly,
    // As the session's: a budget shared with the parsers (here, with this worker's parsers).
    budget: byteBudget(ctx),
    senderRole,
    onNetWarning: (w) => {
      seq++;
      if (global) push(Action.netWarning, { message: w.message, limit: w.limit, ts: w.ts });
    },
  },
);

/** As the session's tick: a poll once a second of capture time. */
let lastPoll = Number.NEGATIVE_INFINITY;
let packets = 0;

try {
  const summary = await readCapture(
    data.path,
    (r) => {
      decoder.record(r);
      seq++;
      if (global && !(r.ts - lastPoll < 1e9)) {
        lastPoll = r.ts;
        push(Action.poll, r.ts);
      }
      if (++packets % packetsPerBatch === 0) send();
    },
    {
      clock,
      onWarning: (w) => {
        seq++;
        if (global) push(Action.warn, w.message);
      },
      onProgress: (n) => {
        seq++;
        if (global) push(Action.progress, n);
      },
      onStart: (s) => {
        seq++;
        if (global) push(Action.start, structuredClone(s));
      },
    },
  );
  decoder.end();
  const capture = global
    ? { summary, net: decoder.counters, vantage: inferVantage(decoder.tcp.connections()) }
    : undefined;
  send({ done: { counters, capture } });
} catch (e) {
  const err = e as Error & Record<string, unknown>;
  const system: Record<string, string | number> = {};
  for (const k of ['code', 'path', 'syscall', 'errno']) {
    const v = err?.[k];
    if (typeof v === 'string' || typeof v === 'number') system[k] = v;
  }
  port.postMessage({
    through: seq,
    count: 0,
    error: { name: err?.name ?? 'Error', message: err?.message ?? String(e), system },
  } satisfies WorkerBatch);
}
