/**
 * The net stage against an independent decoder on every shared capture: packet and TCP
 * connection counts from each capture's README (tshark 4.0.17), and, running the real
 * tshark, the reassembled bytes per direction of a sample of connections, compared by length and
 * SHA-256 of the content (`tshark -z follow,tcp,raw,N`, in the same pass as the stream list).
 * tshark is required: CI installs it (apt).
 */
import { execFile } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { reassembleTcp, type ReassembleResult } from '../../src/net/reassembleTcp.js';
import { endpointText } from '../../src/net/ipPacket.js';
import { capturePath } from '../helpers/groundTruth.js';
import { requireTshark, tshark, tsharkFieldsArgs, tsharkTcpOnly } from '../helpers/tshark.js';

const run = promisify(execFile);

/** Reference counts, copied from each capture's README (tshark 4.0.17, not our code). */
const readme: Record<string, { packets: number; tcpConversations: number }> = {
  'nova-seq': { packets: 29111, tcpConversations: 61 },
  'nova-burst': { packets: 21387, tcpConversations: 75 },
  'nova-net': { packets: 44906, tcpConversations: 95 },
  'nomad-2016-stock': { packets: 5156, tcpConversations: 3 },
  'nomad-2016-tuned': { packets: 3996, tcpConversations: 2 },
  'nomad-modern': { packets: 5331, tcpConversations: 3 },
};

interface TsharkStream {
  index: number;
  /** The two endpoints as `ip:port`, in the order of the stream's first packet. */
  a: string;
  b: string;
  payload: number;
}

/**
 * One tshark pass over every TCP packet: stream index, endpoints, payload length per packet, and
 * at the end the content per node of `-z follow,tcp,raw,N` for each of `follow` (its taps see every
 * packet, whatever -Y shows).
 */
async function tsharkRead(
  file: string,
  follow: number[],
): Promise<{ streams: TsharkStream[]; followed: Map<number, Record<string, Content>> }> {
  const { stdout } = await run(
    tshark,
    [
      '-r',
      file,
      ...tsharkTcpOnly,
      '-Y',
      'tcp',
      ...tsharkFieldsArgs([
        'tcp.stream',
        'ip.src',
        'ipv6.src',
        'tcp.srcport',
        'ip.dst',
        'ipv6.dst',
        'tcp.dstport',
        'tcp.len',
      ]),
      ...follow.flatMap((n) => ['-z', `follow,tcp,raw,${n}`]),
    ],
    { maxBuffer: 1 << 30 },
  );
  const taps = stdout.search(/^=+$/m);
  const fields = taps < 0 ? stdout : stdout.slice(0, taps);
  const streams: TsharkStream[] = [];
  for (const line of fields.split('\n')) {
    if (!line) continue;
    const [index, src4, src6, sport, dst4, dst6, dport, len] = line.split(',');
    const i = Number(index);
    streams[i] ??= {
      index: i,
      a: endpointText(src4 || src6, Number(sport)),
      b: endpointText(dst4 || dst6, Number(dport)),
      payload: 0,
    };
    streams[i].payload += Number(len);
  }
  return { streams, followed: taps < 0 ? new Map() : followedContent(stdout.slice(taps)) };
}

/** What one direction of a connection carried: its length and the SHA-256 of its content. */
interface Content {
  bytes: number;
  sha256: string;
}

/** Accumulates one direction's bytes into a {@link Content}. */
class ContentDigest {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  add(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }
  content(): Content {
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

const lengths = (byNode: Record<string, Content>): Record<string, number> =>
  Object.fromEntries(Object.entries(byNode).map(([node, c]) => [node, c.bytes]));

/** Content per node of each `-z follow,tcp,raw,N` block in tshark's output. */
function followedContent(stdout: string): Map<number, Record<string, Content>> {
  const out = new Map<number, Record<string, Content>>();
  for (const block of stdout.split(/^=+$/m)) {
    const index = /^Filter: tcp\.stream eq (\d+)$/m.exec(block);
    const node0 = /^Node 0: (.*)$/m.exec(block);
    const node1 = /^Node 1: (.*)$/m.exec(block);
    if (!index || !node0 || !node1) continue;
    const digests = [new ContentDigest(), new ContentDigest()];
    for (const line of block.split('\n')) {
      // Raw follow output: one hex line per segment, indented with a tab when node 1 sent it.
      const m = /^(\t?)([0-9a-f]+)$/.exec(line);
      if (m) digests[m[1] ? 1 : 0].add(Buffer.from(m[2], 'hex'));
    }
    out.set(Number(index[1]), { [node0[1]]: digests[0].content(), [node1[1]]: digests[1].content() });
  }
  return out;
}

describe.each(Object.keys(readme))('%s against tshark', (name) => {
  const file = capturePath(name);
  let ours: ReassembleResult;
  /** What the stream handlers received: content, gaps and ends per connection and direction. */
  const received = new Map<number, { content: [ContentDigest, ContentDigest]; gaps: number; ends: number }>();
  let streams: TsharkStream[];
  let sample: TsharkStream[];
  let followed: Map<number, Record<string, Content>>;
  /** How many of our connections were followed in tshark: each must be one of its streams. */
  let followAsked = 0;
  // A failing beforeAll makes vitest report the tests as skipped: each test rethrows instead.
  let setupError: unknown = null;
  const ready = () => {
    if (setupError) throw setupError;
  };

  beforeAll(async () => {
    try {
      await setup();
    } catch (e) {
      setupError = e;
    }
  }, 600_000);

  async function setup(): Promise<void> {
    requireTshark();
    ours = await reassembleTcp(file, (info) => {
      const r = {
        content: [new ContentDigest(), new ContentDigest()] as [ContentDigest, ContentDigest],
        gaps: 0,
        ends: 0,
      };
      received.set(info.id, r);
      return {
        data: (dir, bytes) => r.content[dir].add(bytes),
        gap: () => void r.gaps++,
        end: () => void r.ends++,
      };
    });
    // The 3 largest and the 2 smallest connections that carried any payload, by our reading and
    // numbered as tshark numbers streams (in order of first packet), so that one tshark pass reads
    // the streams and follows those; the comparison below maps each followed stream back by its endpoints.
    const bySize = ours.connections
      .map((c, index) => ({ index, payload: c.bytes[0] + c.bytes[1] }))
      .filter((c) => c.payload > 0)
      .sort((x, y) => y.payload - x.payload);
    const follow = [...new Set([...bySize.slice(0, 3), ...bySize.slice(-2)].map((c) => c.index))];
    const theirs = await tsharkRead(file, follow);
    streams = theirs.streams.filter(Boolean);
    followed = theirs.followed;
    sample = follow.map((i) => theirs.streams[i]).filter(Boolean);
    followAsked = follow.length;
  }

  it('reads as many packets as the README counts', () => {
    ready();
    expect(ours.capture.packets).toBe(readme[name].packets);
    expect(ours.net.packets).toBe(readme[name].packets);
  });

  it('finds as many TCP connections as the README counts, and as tshark numbers streams', () => {
    ready();
    expect(ours.connections).toHaveLength(readme[name].tcpConversations);
    expect(ours.net.connections).toBe(readme[name].tcpConversations);
    expect(streams).toHaveLength(readme[name].tcpConversations);
  });

  it('ends every direction of every connection exactly once', () => {
    ready();
    expect([...received.values()].map((r) => r.ends)).toEqual(ours.connections.map(() => 2));
  });

  it("reassembles the same bytes per direction as tshark's follow,tcp for the largest and smallest connections", () => {
    ready();
    expect(sample.length).toBeGreaterThanOrEqual(Math.min(2, streams.length));
    expect(sample.length).toBe(followAsked);
    // Our connections by their endpoint pair, in order of first packet (tshark numbers streams the same way).
    const pairKey = (x: string, y: string) => [x, y].sort().join(' ');
    const oursByPair = new Map<string, ReassembleResult['connections']>();
    for (const c of ours.connections) {
      const k = pairKey(
        endpointText(c.info.client.ip, c.info.client.port),
        endpointText(c.info.server.ip, c.info.server.port),
      );
      oursByPair.set(k, [...(oursByPair.get(k) ?? []), c]);
    }
    const nthOfPair = (s: TsharkStream) =>
      streams.filter((t) => t.index < s.index && pairKey(t.a, t.b) === pairKey(s.a, s.b)).length;
    const compared = sample.map((s) => {
      const c = oursByPair.get(pairKey(s.a, s.b))?.[nthOfPair(s)];
      expect(c, `our connection for tshark stream ${s.index} (${s.a} ↔ ${s.b})`).toBeDefined();
      const client = endpointText(c!.info.client.ip, c!.info.client.port);
      const server = endpointText(c!.info.server.ip, c!.info.server.port);
      const theirs = followed.get(s.index)!;
      return {
        stream: s.index,
        ours: {
          [client]: received.get(c!.info.id)!.content[0].content(),
          [server]: received.get(c!.info.id)!.content[1].content(),
        },
        stats: { [client]: c!.bytes[0], [server]: c!.bytes[1] },
        tshark: theirs,
      };
    });
    for (const x of compared) {
      expect(x.ours, `stream ${x.stream}`).toEqual(x.tshark);
      expect(x.stats, `stream ${x.stream} statistics`).toEqual(lengths(x.tshark));
      // A sampled connection carried payload, so a hash of nothing cannot pass for agreement.
      expect(
        Object.values(x.tshark).some((c) => c.bytes > 0),
        `stream ${x.stream}`,
      ).toBe(true);
    }
  });
});
