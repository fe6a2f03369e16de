/**
 * `node dist/scripts/hostileCapture.js SHAPE N OUT [BASE]`: writes one of the hostile
 * captures of README's Robustness table (built by testkit/hostileCaptures.ts) to OUT.
 * SHAPE: syn-flood (N SYNs in the second before BASE's first packet, merged with BASE),
 * unfinished-bodies (N bodies of 1 MB, 8 MiB declared), chunk-storm (N one-byte chunks),
 * pipelined (N requests, no response), br-bomb (N responses inflating to 64 MiB each),
 * ooo-holds (N connections each holding 1 MiB behind a hole), nested-msgpack (N Nomad RPC
 * replies whose Index is 1,000,000 nested maps).
 */
import { writeFileSync } from 'node:fs';
import { readCapture } from '../src/capture/readCapture.js';
import { SessionClock } from '../src/capture/sessionClock.js';
import {
  brotliBomb,
  chunkStorm,
  compressedBodies,
  hostilePcap,
  nestedMsgpackReplies,
  outOfOrderHolds,
  pipelinedRequests,
  synFlood,
  unfinishedBodies,
  type TimedFrame,
} from '../testkit/hostileCaptures.js';

const [shape, count, out, base] = process.argv.slice(2);
const n = Number(count);
const at = {
  server: ['10.99.0.1', 4646] as [string, number],
  startNs: 1_700_000_000_000_000_000n,
  spanNs: 1_000_000_000n,
};

async function framesOf(path: string): Promise<TimedFrame[]> {
  const clock = new SessionClock();
  const frames: TimedFrame[] = [];
  await readCapture(path, (r) => frames.push({ ts: BigInt(r.ts), data: r.bytes.slice() }), { clock });
  for (const f of frames) f.ts = clock.absoluteNs(Number(f.ts));
  return frames;
}

const builders: Record<string, () => Promise<TimedFrame[][]>> = {
  'syn-flood': async () => {
    const real = await framesOf(base);
    return [real, synFlood(n, { ...at, startNs: real[0].ts - 1_000_000_000n, spanNs: 999_000_000n })];
  },
  'unfinished-bodies': async () => [unfinishedBodies(n, 8 << 20, 1 << 20, at)],
  'chunk-storm': async () => [chunkStorm(n, at)],
  pipelined: async () => [pipelinedRequests(n, at)],
  'br-bomb': async () => [compressedBodies(n, brotliBomb(64 << 20), at)],
  'ooo-holds': async () => [outOfOrderHolds(n, 1 << 20, at)],
  'nested-msgpack': async () => [nestedMsgpackReplies(n, 1_000_000, 'map', { ...at, server: ['10.99.0.1', 4647] })],
};

const build = builders[shape];
if (!build || !Number.isInteger(n) || !out || (shape === 'syn-flood' && !base)) {
  process.stderr.write(`usage: hostileCapture.js ${Object.keys(builders).join('|')} N OUT [BASE for syn-flood]\n`);
  process.exit(2);
}
writeFileSync(out, hostilePcap(...(await build())));
