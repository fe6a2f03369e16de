/**
 * Invariants of the main job on the sequential shared captures (nomad-2016-tuned, 40 runs;
 * nova-seq, 30 runs), each checked against the undamaged capture's own result:
 *  (a) dropping, duplicating or reordering the packets of one run changes no other request;
 *  (b) a capture cut after run k reports runs 1..k complete and unchanged (cut inside run
 *      k+1: that one incomplete, none after it);
 *  (c) the same packets as pcap, pcapng and gzip give the same JSON (but `captures`).
 * The packets of run k are those with times in [submit/POST of run k, running/ACTIVE of run
 * k] (runs.tsv, capture clock): the runs are sequential, so only run k's exchanges and
 * background traffic (heartbeats, status polls, no request's milestone) fall there.
 * Nomad's client clock offset is fixed at its true value: the causal estimate pools every
 * request, so with it free, damage to one request would legitimately move the others.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptureBase, writeRecords, type BaseRecord, type CaptureBase } from '../../fuzz/captureBase.js';
import { Prng } from '../../fuzz/prng.js';
import { analyse, type AnalyseOptions } from '../../src/pipeline/analyse.js';
import type { AnalysisResult, ResultRequest } from '../../src/pipeline/types.js';
import { tempFile } from '../helpers/captureRecords.js';
import { capturePath, runsOf, sharedCaptures, type Row } from '../helpers/groundTruth.js';

interface Subject {
  name: string;
  /** [start, end] of run k in Unix ns, and the id its request has in the result. */
  window(run: Row): [bigint, bigint];
  idOf(run: Row): string;
  options(): AnalyseOptions;
}

const subjects: Subject[] = [
  {
    name: 'nomad-2016-tuned',
    window: (r) => [BigInt(r.t_submit_ns), BigInt(r.t_running_ns)],
    idOf: (r) => r.alloc_id,
    options: () => {
      const truth = JSON.parse(readFileSync(resolve(sharedCaptures, 'nomad-2016-tuned/truth.json'), 'utf8')) as {
        client_clock_offset_ms: number;
      };
      return { clockOffsets: { '10.99.0.2': truth.client_clock_offset_ms } };
    },
  },
  {
    name: 'nova-seq',
    window: (r) => [BigInt(r.t_post_ns), BigInt(r.t_active_ns)],
    idOf: (r) => r.server_id,
    options: () => ({}),
  },
];

let fileNo = 0;
async function analyseRecords(
  base: CaptureBase,
  records: BaseRecord[],
  options: AnalyseOptions,
  format: 'pcap' | 'pcapng' = 'pcapng',
  gzip = false,
): Promise<AnalysisResult> {
  const path = tempFile(
    `${base.name}-${fileNo++}.${format}${gzip ? '.gz' : ''}`,
    writeRecords(records, format, base.tsPrecision, gzip),
  );
  return analyse(path, options);
}

const byId = (r: AnalysisResult) => new Map(r.requests.map((q) => [q.id, q]));
/** The result without what names the file (and the reader's own counters of it). */
function withoutFile(r: AnalysisResult): unknown {
  const { captures: _c, counters, ...rest } = r;
  const { capture: _cc, ...otherCounters } = counters;
  return { ...rest, counters: otherCounters };
}

for (const s of subjects) {
  describe(`invariants: ${s.name}`, () => {
    let base: CaptureBase;
    let runs: Row[];
    let options: AnalyseOptions;
    let reference: AnalysisResult;
    let refById: Map<string, ResultRequest>;

    beforeAll(async () => {
      base = await loadCaptureBase(s.name, capturePath(s.name));
      runs = runsOf(s.name);
      options = s.options();
      reference = await analyseRecords(base, base.records, options);
      refById = byId(reference);
    });

    it('the reference result has every run as one complete request', () => {
      for (const run of runs) expect(refById.get(s.idOf(run))?.complete, s.idOf(run)).toBe(true);
    });

    const inRun = (run: Row) => {
      const [a, b] = s.window(run);
      return (r: BaseRecord) => r.ts >= a && r.ts <= b;
    };
    const net = (r: AnalysisResult) => r.counters.net[0];
    /** What shows the damage was really applied (and seen by reassembly). */
    const seen: Record<string, (r: AnalysisResult) => void> = {
      drop: (r) => expect(net(r).packets).toBeLessThan(net(reference).packets),
      duplicate: (r) => expect(net(r).retransmissions).toBeGreaterThan(net(reference).retransmissions),
      'reorder (windows of 4)': (r) => expect(net(r).outOfOrder).toBeGreaterThan(net(reference).outOfOrder),
    };
    const mutations: [string, (rng: Prng, recs: BaseRecord[], mine: number[]) => BaseRecord[]][] = [
      [
        'drop',
        (rng, recs, mine) => {
          const drop = new Set(Array.from({ length: 5 }, () => rng.pick(mine)));
          return recs.filter((_, i) => !drop.has(i));
        },
      ],
      [
        'duplicate',
        (rng, recs, mine) => {
          const dup = new Set(Array.from({ length: 10 }, () => rng.pick(mine)));
          return recs.flatMap((r, i) => (dup.has(i) ? [r, r] : [r]));
        },
      ],
      [
        'reorder (windows of 4)',
        (rng, recs, mine) => {
          const out = recs.slice();
          for (let n = 0; n < 10; n++) {
            const at = rng.pick(mine.slice(0, -4));
            for (let i = at + 3; i > at; i--) {
              const j = rng.int(at, i);
              [out[i], out[j]] = [out[j], out[i]];
            }
          }
          return out;
        },
      ],
    ];
    for (const [what, mutate] of mutations) {
      it(`(a) ${what} packets of one run: every other request identical`, async () => {
        for (const k of [4, 17]) {
          const run = runs[k - 1];
          const inside = inRun(run);
          const mine = base.records.flatMap((r, i) => (inside(r) ? [i] : []));
          expect(mine.length).toBeGreaterThan(10);
          const result = await analyseRecords(base, mutate(new Prng(k), base.records, mine), options);
          seen[what](result);
          const got = byId(result);
          for (const other of runs) {
            if (other === run) continue;
            expect(got.get(s.idOf(other)), `run ${other.run} after damage to run ${k}`).toEqual(
              refById.get(s.idOf(other)),
            );
          }
        }
      });
    }

    it('(b) cut after run k: runs 1..k complete and unchanged, nothing after; cut inside run k+1: that one incomplete', async () => {
      for (const k of [3, 12]) {
        const [, endK] = s.window(runs[k - 1]);
        const [startNext, endNext] = s.window(runs[k]);
        for (const [cut, inside] of [
          [(endK + startNext) / 2n, false],
          [(startNext + endNext) / 2n, true],
        ] as const) {
          const result = await analyseRecords(
            base,
            base.records.filter((r) => r.ts < cut),
            options,
          );
          const got = byId(result);
          for (const run of runs.slice(0, k))
            expect(got.get(s.idOf(run)), `run ${run.run}, cut after ${k}`).toEqual(refById.get(s.idOf(run)));
          const next = got.get(s.idOf(runs[k]));
          if (inside) {
            expect(next, `run ${k + 1} cut in the middle`).toBeDefined();
            expect(next!.complete).toBe(false);
            expect(next!.missing.length).toBeGreaterThan(0);
          } else expect(next).toBeUndefined();
          for (const run of runs.slice(k + 1)) expect(got.has(s.idOf(run))).toBe(false);
        }
      }
    });

    it('(c) pcap, pcapng, gzip of either, and the original file give the same JSON but for `captures`', async () => {
      const expected = withoutFile(reference);
      for (const [format, gzip] of [
        ['pcap', false],
        ['pcap', true],
        ['pcapng', true],
      ] as const) {
        expect(
          withoutFile(await analyseRecords(base, base.records, options, format, gzip)),
          `${format}${gzip ? ' gzip' : ''}`,
        ).toEqual(expected);
      }
      expect(withoutFile(await analyse(capturePath(s.name), options))).toEqual(expected);
    });
  });
}
