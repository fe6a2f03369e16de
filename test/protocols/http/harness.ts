/**
 * Test harness for the HTTP parser: feed scripted stream events, get a readable summary
 * of each exchange (llhttp-style specs: input bytes, then expected events).
 */
import type { ConnectionInfo, Direction } from '../../../src/net/types.js';
import { HttpConnectionParser, type HttpParserOptions } from '../../../src/protocols/http/parser.js';
import {
  defaultProtocolLimits,
  type HttpExchange,
  type ProtocolContext,
  type ProtocolLimits,
  type ProtocolWarning,
} from '../../../src/protocols/types.js';

export type Step =
  | { dir: Direction; data: string | Uint8Array; ts?: number }
  | { dir: Direction; gap: number; ts?: number }
  | { dir: Direction; end: true; ts?: number };

export const req = (data: string | Uint8Array, ts?: number): Step => ({ dir: 0, data, ts });
export const res = (data: string | Uint8Array, ts?: number): Step => ({ dir: 1, data, ts });
export const gap = (dir: Direction, n: number, ts?: number): Step => ({ dir, gap: n, ts });
export const end = (dir: Direction, ts?: number): Step => ({ dir, end: true, ts });

export const conn: ConnectionInfo = {
  id: 7,
  client: { ip: '10.0.0.1', port: 40000 },
  server: { ip: '10.0.0.2', port: 80 },
  sawSyn: true,
  startTs: 0,
};

export interface Summary {
  req: string;
  reqBody?: string;
  status: number | null;
  resBody?: string;
  incomplete?: string;
}

export function summarise(ex: HttpExchange): Summary {
  const s: Summary = { req: `${ex.request.method} ${ex.request.target}`, status: ex.response?.status ?? null };
  if (ex.request.body.length > 0) s.reqBody = Buffer.from(ex.request.body).toString('latin1');
  if (ex.response && ex.response.body.length > 0) s.resBody = Buffer.from(ex.response.body).toString('latin1');
  if (ex.incomplete !== undefined) s.incomplete = ex.incomplete;
  return s;
}

export interface RunResult {
  exchanges: HttpExchange[];
  counters: Record<string, number>;
  warnings: ProtocolWarning[];
}

export function run(
  steps: Step[],
  opts: { limits?: Partial<ProtocolLimits>; parser?: HttpParserOptions } = {},
): RunResult {
  const warnings: ProtocolWarning[] = [];
  const ctx: ProtocolContext = {
    counters: {},
    warn: (w) => warnings.push(w),
    limits: { ...defaultProtocolLimits, ...opts.limits },
  };
  const exchanges: HttpExchange[] = [];
  const p = new HttpConnectionParser(conn, (ex) => exchanges.push(ex), ctx, opts.parser);
  let t = 0;
  const ended = [false, false];
  for (const s of steps) {
    const ts = s.ts ?? ++t;
    if ('data' in s) {
      const bytes = typeof s.data === 'string' ? Buffer.from(s.data, 'latin1') : s.data;
      // hand the parser a view into a larger buffer, then scribble over it: the parser
      // must copy what it keeps
      const backing = new Uint8Array(bytes.length + 8);
      backing.set(bytes, 4);
      p.data(s.dir, backing.subarray(4, 4 + bytes.length), ts);
      backing.fill(0x41);
    } else if ('gap' in s) p.gap(s.dir, s.gap, ts);
    else {
      ended[s.dir] = true;
      p.end(s.dir, ts, 'fin');
    }
  }
  for (const d of [0, 1] as const) if (!ended[d]) p.end(d, ++t, 'eof');
  return { exchanges, counters: ctx.counters.http ?? {}, warnings };
}

/** Split each data step of one direction's stream into pieces at the given offsets. */
export function splitAt(dir: Direction, data: string, cuts: number[]): Step[] {
  const out: Step[] = [];
  let prev = 0;
  for (const c of [...cuts, data.length]) {
    if (c > prev) out.push({ dir, data: data.slice(prev, c) });
    prev = c;
  }
  return out;
}

/** Every way of cutting `data` in two, plus byte by byte. */
export function everySplit(data: string): number[][] {
  const ways: number[][] = [];
  for (let i = 1; i < data.length; i++) ways.push([i]);
  ways.push(Array.from({ length: data.length - 1 }, (_, i) => i + 1));
  return ways;
}
