/**
 * Mutation families an attacker would use rather than a lossy network: floods of
 * connections, unfinished bodies, chunk storms, pipelined requests with no answer,
 * compression bombs, msgpack nested deep where a selected field should be a number, and
 * control characters in ids. The packets come from
 * testkit/hostileCaptures.ts and are merged into the capture's records by time; the
 * fuzzer's memory and time bounds apply to them like to every variant.
 */
import {
  brotliBomb,
  chunkStorm,
  compressedBodies,
  hostileId,
  nestedMsgpackReplies,
  pipelinedRequests,
  synFlood,
  unfinishedBodies,
  type TimedFrame,
} from '../testkit/hostileCaptures.js';
import type { BaseRecord } from './captureBase.js';
import type { ByteMutation, Mutated, RecordMutation } from './mutations.js';
import type { Prng } from './prng.js';

const ethernet = 1;
const rawIp = 101;

/** Builder frames (Ethernet) as records of the capture's first link type (raw IP unless Ethernet). */
function merged(records: BaseRecord[], frames: TimedFrame[]): BaseRecord[] {
  const lt = records[0]?.linkType === ethernet ? ethernet : rawIp;
  const extra = frames.map((f) => {
    const data = lt === ethernet ? f.data : f.data.subarray(14);
    return { ts: f.ts, linkType: lt, data, origLen: data.length };
  });
  return [...records, ...extra].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
}

/** Where the hostile traffic goes: the second before a random packet, at a Nova or Nomad API port (or `ports`). */
function target(
  rng: Prng,
  records: BaseRecord[],
  ports = [4646, 8774, 9696],
): { server: [string, number]; startNs: bigint; spanNs: bigint } {
  const at = records.length ? records[rng.int(0, records.length - 1)].ts : 1_700_000_000_000_000_000n;
  return { server: ['10.99.0.1', rng.pick(ports)], startNs: at - 1_000_000_000n, spanNs: 999_000_000n };
}

let bomb: Uint8Array | undefined;

function family(
  kind: string,
  make: (rng: Prng, records: BaseRecord[]) => { frames: TimedFrame[]; note: string },
): RecordMutation {
  return {
    kind,
    apply(rng, records): Mutated<BaseRecord[]> {
      const { frames, note } = make(rng, records);
      return { value: merged(records, frames), note };
    },
  };
}

export const hostileRecordMutations: RecordMutation[] = [
  family('syn-flood', (rng, records) => {
    const n = rng.logInt(100, 30_000);
    return { frames: synFlood(n, target(rng, records)), note: `${n} unanswered SYNs` };
  }),
  family('unfinished-bodies', (rng, records) => {
    const n = rng.logInt(1, 100),
      sent = rng.logInt(1000, 256 * 1024);
    return {
      frames: unfinishedBodies(n, 8 << 20, sent, target(rng, records)),
      note: `${n} bodies of ${sent} bytes, 8 MiB declared`,
    };
  }),
  family('chunk-storm', (rng, records) => {
    const n = rng.logInt(100, 300_000);
    return { frames: chunkStorm(n, target(rng, records)), note: `${n} one-byte chunks` };
  }),
  family('pipelined-requests', (rng, records) => {
    const n = rng.logInt(10, 50_000);
    return { frames: pipelinedRequests(n, target(rng, records)), note: `${n} requests, no response` };
  }),
  family('compression-bomb', (rng, records) => {
    const n = rng.logInt(1, 200);
    bomb ??= brotliBomb(16 << 20);
    return {
      frames: compressedBodies(n, bomb, target(rng, records)),
      note: `${n} brotli responses of ${bomb.length} bytes inflating to 16 MiB`,
    };
  }),
  family('nested-msgpack', (rng, records) => {
    const n = rng.logInt(1, 8),
      depth = rng.logInt(100, 300_000),
      kind = rng.pick(['array', 'map'] as const);
    return {
      frames: nestedMsgpackReplies(n, depth, kind, target(rng, records, [4647])),
      note: `${n} Nomad RPC replies whose Index is ${depth} nested ${kind}s`,
    };
  }),
];

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Some ids (uuid-shaped, wherever they are) replaced by one of the same length full of terminal escapes. */
export const controlCharsInIds: ByteMutation = {
  kind: 'control-chars-in-ids',
  apply(rng, bytes) {
    const text = Buffer.from(bytes).toString('latin1');
    const ids = [...new Set(text.match(uuid) ?? [])];
    const chosen = ids.filter(() => rng.chance(0.2)).slice(0, 20);
    const out = Buffer.from(bytes);
    const evil = Buffer.from(hostileId(), 'latin1');
    let n = 0;
    for (const id of chosen) {
      const a = Buffer.from(id, 'latin1');
      for (let at = out.indexOf(a); at >= 0; at = out.indexOf(a, at + a.length)) {
        evil.copy(out, at);
        n++;
      }
    }
    return {
      value: new Uint8Array(out.buffer, out.byteOffset, out.length),
      note: `${chosen.length} ids (${n} places) replaced by escapes`,
    };
  },
};
