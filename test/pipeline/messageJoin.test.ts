/**
 * `messages --json` lines join with tshark's output: each line's `conn` is tshark's
 * tcp.stream of its first byte's frame, and `frame` is that frame (tshark's frame.number):
 * a TCP segment with payload, at the message's time, sent by one end of the message. And
 * `request` names the request whose ids the message carries. Real tshark, two shared captures.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { messageLines } from '../../src/pipeline/analyse.js';
import { endpointText } from '../../src/net/ipPacket.js';
import type { MessageLine } from '../../src/result/types.js';
import { capturePath, isoToNs } from '../helpers/groundTruth.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { requireTshark, tshark, tsharkFieldsArgs, tsharkTcpOnly } from '../helpers/tshark.js';

interface TsharkFrame {
  stream: number;
  src: string;
  dst: string;
  epochNs: bigint;
  len: number;
}

function tsharkFrames(file: string): Map<number, TsharkFrame> {
  const out = execFileSync(
    tshark,
    [
      '-n',
      '-r',
      file,
      ...tsharkTcpOnly,
      '-Y',
      'tcp',
      ...tsharkFieldsArgs([
        'frame.number',
        'tcp.stream',
        'ip.src',
        'ipv6.src',
        'tcp.srcport',
        'ip.dst',
        'ipv6.dst',
        'tcp.dstport',
        'frame.time_epoch',
        'tcp.len',
      ]),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  const frames = new Map<number, TsharkFrame>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [n, stream, s4, s6, sp, d4, d6, dp, epoch, len] = line.split(',');
    const [sec, frac = ''] = epoch.split('.');
    frames.set(Number(n), {
      stream: Number(stream),
      src: endpointText(s4 || s6, Number(sp)),
      dst: endpointText(d4 || d6, Number(dp)),
      epochNs: BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9)),
      len: Number(len),
    });
  }
  return frames;
}

describe('messages --json joins with tshark', () => {
  for (const name of ['nomad-2016-stock', 'nova-seq']) {
    it(`${name}: conn is tshark's tcp.stream and frame its frame.number of the first byte`, async () => {
      requireTshark();
      const file = capturePath(name);
      const lines: MessageLine[] = [...(await messageLines(file))];
      const frames = tsharkFrames(file);
      expect(lines.length).toBeGreaterThan(100);
      const withFrame = lines.filter((m) => m.frame !== undefined);
      // Nearly every message's first byte came in order with its own packet.
      expect(withFrame.length / lines.length).toBeGreaterThan(0.95);
      for (const m of withFrame) {
        const f = frames.get(m.frame!);
        expect(f, `frame ${m.frame} of ${m.name}`).toBeDefined();
        expect(f!.stream, `${m.name} at ${m.t}`).toBe(m.conn);
        expect(f!.len).toBeGreaterThan(0);
        expect(f!.epochNs).toBe(isoToNs(m.t));
        // Sent by one end of the message (for AMQP, src/dst are the consumer side; the frame is the publish).
        if (m.type === 'http' || m.type === 'nomad-rpc') expect(f!.src).toBe(m.src);
      }
      // Messages of one connection share its stream number: the ids are tshark's, not a renumbering.
      const streamsByConn = new Map<number, Set<number>>();
      for (const m of withFrame)
        (streamsByConn.get(m.conn!) ?? streamsByConn.set(m.conn!, new Set()).get(m.conn!)!).add(
          frames.get(m.frame!)!.stream,
        );
      expect([...streamsByConn.values()].every((s) => s.size === 1)).toBe(true);
    }, 120_000);
  }

  it('nova-seq: request names the one request whose ids a message carries', async () => {
    const file = capturePath('nova-seq');
    const { requests } = await analysedCapture('nova-seq');
    const lines = [...(await messageLines(file))];
    const attributed = lines.filter((m) => m.request !== undefined);
    expect(attributed.length).toBeGreaterThan(lines.length / 2);
    const byId = new Map(requests.map((r) => [r.id, r]));
    for (const m of attributed) {
      const r = byId.get(m.request!);
      expect(r, m.request).toBeDefined();
      const ids = m.ids;
      const named =
        [ids.server, ...(ids.servers ?? [])].includes(r!.id) ||
        (ids.request !== undefined && ids.request === r!.keys.request) ||
        (ids.port !== undefined && ids.port === r!.keys.port) ||
        ids.device !== undefined;
      expect(named, `${m.name} ${JSON.stringify(ids)} → ${m.request}`).toBe(true);
    }
    // Every POST /v2.1/servers belongs to the boot it created.
    const posts = lines.filter((m) => m.name === 'POST /v2.1/servers');
    expect(posts.length).toBe(requests.length);
    expect(new Set(posts.map((m) => m.request))).toEqual(new Set(requests.map((r) => r.id)));
  });
});
