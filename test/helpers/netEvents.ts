/**
 * Runs frames through the capture and net stages (reassembleTcp) and records what the
 * stream handlers receive as plain tuples a test can compare with toEqual.
 */
import { Readable } from 'node:stream';
import { reassembleTcp, type ReassembleOptions, type ReassembleResult } from '../../src/net/reassembleTcp.js';
import type { ConnectionInfo, Direction, EndReason } from '../../src/net/types.js';
import { pcap, type Frame } from './pcapWriter.js';

/** Absolute time of the first frame written by `timed`. */
export const epochSec = 1_700_000_000;
export const ms = 1e6;

/** Frames 1 ms apart: frame i is at i ms after the first (relative ts i * 1e6). */
export function timed(frames: Uint8Array[]): Frame[] {
  return frames.map((data, i) => ({ sec: epochSec + Math.floor(i / 1000), nsec: (i % 1000) * ms, data }));
}

/** A classic pcap of these frames, 1 ms apart. */
export const pcapOf = (frames: Uint8Array[], linkType = 1): Uint8Array => pcap(timed(frames), { linkType });

export type NetEvent =
  | [conn: number, kind: 'data', dir: Direction, bytes: string, ts: number]
  | [conn: number, kind: 'gap', dir: Direction, n: number, ts: number]
  | [conn: number, kind: 'end', dir: Direction, reason: EndReason, ts: number];

export interface Recorded {
  events: NetEvent[];
  connections: ConnectionInfo[];
  result: ReassembleResult;
}

/** Data bytes as latin1 text: one char per byte, readable for ASCII payloads. */
const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

export async function streamEvents(file: Uint8Array, options: ReassembleOptions = {}): Promise<Recorded> {
  const events: NetEvent[] = [];
  const connections: ConnectionInfo[] = [];
  const result = await reassembleTcp(
    Readable.from([Buffer.from(file)]),
    (info) => {
      connections.push(info);
      const id = info.id;
      return {
        data: (dir, bytes, ts) => events.push([id, 'data', dir, latin1(bytes), ts]),
        gap: (dir, n, ts) => events.push([id, 'gap', dir, n, ts]),
        end: (dir, ts, reason) => events.push([id, 'end', dir, reason, ts]),
      };
    },
    options,
  );
  return { events, connections, result };
}

/** Adjacent data events of the same connection and direction merged (chunking is not part of the contract). */
export function merged(events: NetEvent[]): NetEvent[] {
  const out: NetEvent[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (last && last[1] === 'data' && e[1] === 'data' && last[0] === e[0] && last[2] === e[2]) {
      out[out.length - 1] = [last[0], 'data', last[2], last[3] + e[3], last[4]];
    } else out.push(e);
  }
  return out;
}
