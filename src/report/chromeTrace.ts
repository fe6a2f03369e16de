/**
 * Chrome trace-event JSON (the format of chrome://tracing and Perfetto): one process per
 * request, one thread per host lane, a complete event (`ph: "X"`, µs) per phase, and
 * metadata events naming them. Events on one thread must nest or be disjoint, so a phase
 * that partly overlaps another on its host goes to a second lane of that host.
 */
import type { AnalysisResult, MessageLine, ResultRequest } from '../result/types.js';
import { isoToUnixNs } from './isoTime.js';
import { packRows } from './laneRows.js';
import { orderedPhases } from './phaseTree.js';
import { messagesOfRequest, requestSpan } from './requestMessages.js';
import { endpointHost } from '../net/ipPacket.js';

export interface TraceEvent {
  name: string;
  ph: 'X' | 'M' | 'i';
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  cat?: string;
  s?: 't' | 'p' | 'g';
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string>;
}

export interface ChromeTraceOptions {
  /** The run's messages (`listMessages`): each request's messages are added on `<host> messages` lanes. */
  messages?: readonly MessageLine[];
}

interface Item {
  name: string;
  cat: string;
  host: string;
  start: bigint;
  end: bigint;
  args: Record<string, unknown>;
}

/** µs since the origin, kept to the ns (the format allows fractions). */
const us = (t: bigint, origin: bigint): number => Number(t - origin) / 1000;
/** Durations from the same rounded µs as the starts, so that a phase ends exactly where the next begins. */
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function phaseItems(r: ResultRequest): Item[] {
  const out: Item[] = [];
  for (const name of orderedPhases(r)) {
    const p = r.phases[name];
    const start = isoToUnixNs(p.start);
    const end = isoToUnixNs(p.end);
    if (start === null || end === null) continue;
    const args: Record<string, unknown> = { ms: p.ms, source: p.source, host: p.host, request: r.id };
    if (p.approx) Object.assign(args, { approx: true, substitute: p.substitute });
    out.push({ name, cat: `phase,${r.vim}`, host: p.host, start, end: end < start ? start : end, args });
  }
  return out;
}

function messageItems(r: ResultRequest, messages: readonly MessageLine[]): Item[] {
  return messagesOfRequest(r, messages).flatMap((m) => {
    const start = isoToUnixNs(m.t);
    if (start === null) return [];
    const end = start + BigInt(Math.round((m.ms ?? 0) * 1e6));
    return [
      {
        name: m.name,
        cat: `message,${m.type}`,
        host: `${endpointHost(m.src)} messages`,
        start,
        end,
        args: { service: m.service, src: m.src, dst: m.dst, ms: m.ms, status: m.status },
      },
    ];
  });
}

export function chromeTrace(result: AnalysisResult, opts: ChromeTraceOptions = {}): ChromeTrace {
  const spans = result.requests.map((r) => ({ r, span: requestSpan(r) })).filter((x) => x.span !== null) as {
    r: ResultRequest;
    span: { start: bigint; end: bigint };
  }[];
  spans.sort((a, b) => (a.span.start < b.span.start ? -1 : a.span.start > b.span.start ? 1 : 0));
  const origin = spans.length ? spans[0].span.start : 0n;
  const events: TraceEvent[] = [];

  spans.forEach(({ r }, i) => {
    const pid = i + 1;
    events.push({
      name: 'process_name',
      ph: 'M',
      ts: 0,
      pid,
      tid: 0,
      args: { name: `${r.vim} ${r.id}${r.complete ? '' : ' (incomplete)'}` },
    });
    events.push({ name: 'process_sort_index', ph: 'M', ts: 0, pid, tid: 0, args: { sort_index: pid } });
    const items = [...phaseItems(r), ...(opts.messages ? messageItems(r, opts.messages) : [])];

    // Lanes: hosts in order of first use; overflow lanes for partial overlaps.
    const hosts: string[] = [];
    for (const it of [...items].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)))
      if (!hosts.includes(it.host)) hosts.push(it.host);
    let tid = 0;
    for (const host of hosts) {
      const mine = items.filter((it) => it.host === host);
      const rows = packRows(
        mine.map((it) => ({ start: us(it.start, origin), end: us(it.end, origin) })),
        true,
      );
      const lanes = Math.max(...rows) + 1;
      for (let lane = 0; lane < lanes; lane++) {
        tid++;
        const name = lane === 0 ? host : `${host} (${lane + 1})`;
        events.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name } });
        events.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid, args: { sort_index: tid } });
        mine.forEach((it, k) => {
          if (rows[k] !== lane) return;
          const ts = us(it.start, origin);
          events.push({
            name: it.name,
            cat: it.cat,
            ph: 'X',
            ts,
            dur: round3(us(it.end, origin) - ts),
            pid,
            tid,
            args: it.args,
          });
        });
      }
    }
  });

  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: { schema: result.schema, origin: origin.toString(), originNote: 'ts are µs since origin (Unix ns)' },
  };
}
