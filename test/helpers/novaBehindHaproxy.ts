/**
 * A real Nova boot put behind a TLS-terminating HAProxy: the client ↔ nova-api exchanges
 * of one nova-seq boot are replayed (recorded requests at their recorded times, recorded
 * responses after their recorded server delays) from the client's address through Debian's
 * haproxy (TLS on a VIP) to a backend on nova-api's address, captured by tcpdump in a
 * namespace made here; the capture is then spliced into the original in place of the
 * original client connection, shifted so that the backend leg's POST starts when the
 * original POST did. The rest (broker, compute, services) is the original traffic.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCapture } from '../../src/capture/readCapture.js';
import { SessionClock } from '../../src/capture/sessionClock.js';
import { reassembleTcp } from '../../src/net/reassembleTcp.js';
import { HttpConnectionParser } from '../../src/protocols/http/parser.js';
import {
  defaultProtocolLimits,
  type Header,
  type HttpExchange,
  type ProtocolContext,
} from '../../src/protocols/types.js';
import { captureBehindHaproxy, writeHaproxyTlsConfig } from './haproxyCapture.js';
import { pcap, type Frame } from './pcapWriter.js';
import type { Netns } from './tlsCapture.js';

export const lb = {
  client: '10.98.0.3',
  api: '10.98.0.1',
  vip: '10.98.0.10',
  proxySource: '10.98.0.6',
  port: 8774,
} as const;

const peers = resolve(__dirname, 'replayPeers.mjs');

/** A head and body as bytes, framed by Content-Length (the recorded framing is not kept). */
function serialise(startLine: string, headers: readonly Header[], body: Uint8Array): Buffer {
  const drop = new Set(['content-length', 'transfer-encoding', 'content-encoding']);
  const kept = headers.filter(([n]) => !drop.has(n.toLowerCase()));
  const head = [startLine, ...kept.map(([n, v]) => `${n}: ${v}`), `Content-Length: ${body.length}`, '', ''].join(
    '\r\n',
  );
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

interface Recorded {
  atMs: number;
  request: string;
  requestBodyLength: number;
  serverDelayMs: number;
  response: string;
}

/** The client connection's exchanges from `fromNs` to `toNs` (absolute Unix ns), with full bodies. */
export async function recordedExchanges(
  capture: string,
  fromNs: bigint,
  toNs: bigint,
): Promise<{ exchanges: Recorded[]; postUnixNs: bigint }> {
  const ctx: ProtocolContext = { counters: {}, warn: () => {}, limits: defaultProtocolLimits };
  const all: HttpExchange[] = [];
  const clock = new SessionClock();
  await reassembleTcp(
    capture,
    (conn) =>
      conn.client.ip === lb.client && conn.server.ip === lb.api && conn.server.port === lb.port
        ? new HttpConnectionParser(conn, (ex) => all.push(ex), ctx, { keepBody: () => true })
        : null,
    { clock },
  );
  const abs = (rel: number) => clock.absoluteNs(rel);
  const picked = all.filter(
    (ex) =>
      ex.response && abs(ex.request.firstByte) >= fromNs - 1_000_000n && abs(ex.response.lastByte) <= toNs + 1_000_000n,
  );
  if (!picked.length || picked[0].request.method !== 'POST')
    throw new Error('no POST /v2.1/servers exchange in the window');
  const t0 = picked[0].request.firstByte;
  return {
    postUnixNs: abs(t0),
    exchanges: picked.map((ex) => {
      const q = ex.request,
        r = ex.response!;
      if (q.bodyTruncated || r.bodyTruncated) throw new Error('a recorded body was truncated');
      return {
        atMs: (q.firstByte - t0) / 1e6,
        request: serialise(`${q.method} ${q.target} HTTP/1.1`, q.headers, q.body).toString('base64'),
        requestBodyLength: q.body.length,
        serverDelayMs: Math.max(0, (r.firstByte - q.lastByte) / 1e6),
        response: serialise(`HTTP/1.1 ${r.status} ${r.reason}`, r.headers, r.body).toString('base64'),
      };
    }),
  };
}

/** Runs the replay through haproxy in `ns`; returns the pcap and the client's key log. */
export async function replayThroughHaproxy(
  ns: Netns,
  dir: string,
  exchanges: Recorded[],
): Promise<{ pcap: string; keylog: string }> {
  const cfg = writeHaproxyTlsConfig(ns, dir, {
    addresses: [lb.client, lb.api, lb.vip, lb.proxySource],
    vip: lb.vip,
    backend: lb.api,
    proxySource: lb.proxySource,
    port: lb.port,
    timeoutS: 30,
  });
  const file = join(dir, 'exchanges.json');
  writeFileSync(file, JSON.stringify(exchanges));
  const out = join(dir, 'replay.pcap');
  await captureBehindHaproxy({
    ns,
    cfg,
    vip: lb.vip,
    port: lb.port,
    pcap: out,
    peers: [peers, dir, file, lb.api, String(lb.port), lb.vip, String(lb.port), lb.client],
    timeoutMs: 60_000,
  });
  return { pcap: out, keylog: join(dir, 'keylog.txt') };
}

/** IPv4/TCP addresses of an Ethernet frame, or null. */
function tcpEnds(b: Uint8Array): { src: string; dst: string; sport: number; dport: number } | null {
  if (b.length < 34 || b[12] !== 0x08 || b[13] !== 0x00 || b[23] !== 6) return null;
  const ihl = (b[14] & 0x0f) * 4,
    t = 14 + ihl;
  if (b.length < t + 4) return null;
  return {
    src: b.subarray(26, 30).join('.'),
    dst: b.subarray(30, 34).join('.'),
    sport: (b[t] << 8) | b[t + 1],
    dport: (b[t + 2] << 8) | b[t + 3],
  };
}

async function frames(
  file: string,
  keep: (b: Uint8Array) => boolean,
  shiftNs: bigint,
): Promise<{ t: bigint; data: Uint8Array }[]> {
  const out: { t: bigint; data: Uint8Array }[] = [];
  const clock = new SessionClock();
  await readCapture(
    file,
    (r) => {
      if (r.linkType === 1 && keep(r.bytes))
        out.push({ t: clock.absoluteNs(r.ts) + shiftNs, data: Uint8Array.from(r.bytes) });
    },
    { clock },
  );
  return out;
}

/**
 * The original capture without its client ↔ nova-api connection, plus the replay's
 * packets (all of them, or only the proxy → backend leg) moved by `shiftNs`.
 */
export async function splice(
  original: string,
  replay: string,
  shiftNs: bigint,
  onlyBackendLeg: boolean,
  out: string,
): Promise<void> {
  const isClientConn = (e: NonNullable<ReturnType<typeof tcpEnds>>) =>
    (e.src === lb.client && e.dst === lb.api && e.dport === lb.port) ||
    (e.dst === lb.client && e.src === lb.api && e.sport === lb.port);
  const base = await frames(
    original,
    (b) => {
      const e = tcpEnds(b);
      return !e || !isClientConn(e);
    },
    0n,
  );
  const added = await frames(
    replay,
    (b) => {
      const e = tcpEnds(b);
      return !!e && (!onlyBackendLeg || e.src === lb.proxySource || e.dst === lb.proxySource);
    },
    shiftNs,
  );
  const all = [...base, ...added].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  const f: Frame[] = all.map((x) => ({
    sec: Number(x.t / 1_000_000_000n),
    nsec: Number(x.t % 1_000_000_000n),
    data: x.data,
  }));
  writeFileSync(out, pcap(f, { nano: true, snaplen: 262_144 }));
}

/** Absolute time of the first POST request byte on the proxy → backend leg of the replay. */
export async function backendPostStart(replay: string): Promise<bigint> {
  const clock = new SessionClock();
  let t: bigint | null = null;
  await reassembleTcp(
    replay,
    (conn) =>
      conn.client.ip === lb.proxySource
        ? {
            data: (dir, b, ts) => {
              if (
                t === null &&
                dir === 0 &&
                b.length >= 5 &&
                Buffer.from(b.subarray(0, 5)).toString('latin1') === 'POST '
              )
                t = clock.absoluteNs(ts);
            },
            gap: () => {},
            end: () => {},
          }
        : null,
    { clock },
  );
  if (t === null) throw new Error('no POST on the backend leg of the replay');
  return t;
}
