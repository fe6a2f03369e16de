/**
 * Live capture for real: a shared capture is replayed with tcpreplay into one end of a
 * veth pair between two namespaces made here, `vim-analyse live` sniffs the other end
 * through libpcap (the `cap` binding) and writes what it saw with --write. The live
 * result must list the same requests with the same phases as the offline analysis of
 * that written file, and every request must have been streamed before the stop.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayCommand, startLive } from '../helpers/liveProcess.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import type { AnalysisResult, ResultRequest } from '../../src/pipeline/types.js';
import { capturePath } from '../helpers/groundTruth.js';
import { capUnavailable } from '../helpers/capBinding.js';
import { makeVethPair, type VethPair } from '../helpers/netns.js';
import { checkOutput } from '../helpers/shippedSchemas.js';

const pair = makeVethPair('l');
// What the test needs: namespaces (root), tcpreplay and the cap binding the live command loads.
const skip =
  'reason' in pair ? pair.reason : !existsSync('/usr/bin/tcpreplay') ? 'tcpreplay is not installed' : capUnavailable();
if (skip) {
  console.log(`live capture test skipped: ${skip}`);
  // A skipped describe runs no afterAll: remove the namespaces made above now.
  if (!('reason' in pair)) pair.remove();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `json`: how the NDJSON events are asked for (--format json and --json are one option). */
async function liveRun(p: VethPair, capture: string, multiplier: number, dir: string, json: string[]) {
  // One file per run: --write never replaces an existing file.
  const written = mkdtempSync(join(dir, 'run-')) + '/live.pcapng';
  // tcpreplay reads no gzip.
  if (capture.endsWith('.gz')) {
    const plain = join(dir, 'replay.pcap');
    execFileSync('sh', ['-c', `gunzip -c '${capture}' > '${plain}'`]);
    capture = plain;
  }
  // A 256 MiB ring (~4000 packets): what this test compares holds with drops too, but a dropped packet can lose a boot.
  const live = await startLive(p.nsB, [
    '-i',
    p.ifB,
    '-B',
    '262144',
    '--write',
    written,
    ...json,
    '--summary-every',
    '1',
  ]);
  expect(live.err()).toContain('capturing on');
  execFileSync(...replayCommand(p.nsA, p.ifA, capture, ['-x', String(multiplier)], 'sleep'), { stdio: 'pipe' });
  await sleep(1500);
  const { code, err, lines } = await live.stop();
  return { code, err, lines, written };
}

const shape = (r: ResultRequest) => ({ id: r.id, complete: r.complete, phases: Object.keys(r.phases).sort() });

describe.skipIf(skip !== null)('vim-analyse live (libpcap on a veth pair, tcpreplay)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vim-live-'));
  afterAll(() => {
    if (!('reason' in pair)) pair.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, multiplier, json] of [
    ['nomad-2016-tuned', 50, ['--json']],
    ['nova-seq', 50, ['--format', 'json']],
  ] as const) {
    describe(name, () => {
      let run: Awaited<ReturnType<typeof liveRun>>;
      let offline: AnalysisResult;
      beforeAll(async () => {
        run = await liveRun(pair as VethPair, capturePath(name), multiplier, join(dir), [...json]);
        offline = await analyse(run.written);
      }, 120_000);

      it('exits 0 on SIGINT with a final result, and the written capture is complete', () => {
        expect(run.code).toBe(0);
        expect(run.lines.at(-1)!.type).toBe('result');
        expect(offline.captures[0].packets).toBeGreaterThan(1000);
      });

      it("writes analyseStream's events: each line validates against stream-event.schema.json and keeps the naming rule", () => {
        run.lines.forEach((l, i) => checkOutput('stream-event.schema.json', l, `line ${i} (${l.type})`));
        const requests = run.lines.filter((l) => l.type === 'request');
        expect(requests.length).toBeGreaterThan(0);
        for (const l of requests) expect(Object.keys(l).sort()).toEqual(['provisional', 'request', 'type']);
      });

      it('streams every complete request before the stop, with the offline phase structure', () => {
        const streamed = (run.lines.filter((l) => l.type === 'request') as unknown as { request: ResultRequest }[]).map(
          (l) => l.request,
        );
        const off = offline.requests
          .filter((r) => r.complete)
          .map(shape)
          .sort((a, b) => a.id.localeCompare(b.id));
        expect(off.length).toBeGreaterThanOrEqual(name === 'nova-seq' ? 30 : 40);
        expect(
          streamed
            .filter((r) => r.complete)
            .map(shape)
            .sort((a, b) => a.id.localeCompare(b.id)),
        ).toEqual(off);
        expect(run.lines.some((l) => l.type === 'summary')).toBe(true);
      });

      it('gives a final result identical to the offline analysis of the same packets', () => {
        const live = (run.lines.at(-1)! as unknown as { result: AnalysisResult }).result;
        const byId = (a: ResultRequest, b: ResultRequest) => a.id.localeCompare(b.id);
        expect([...live.requests].sort(byId)).toEqual([...offline.requests].sort(byId));
        // The requests as streamed, with their updates, are the final ones (as analyseStream's).
        const view = new Map<string, ResultRequest>();
        for (const l of run.lines)
          if (l.type === 'request' || l.type === 'update')
            view.set((l.request as ResultRequest).id, l.request as ResultRequest);
        for (const r of live.requests) expect(view.get(r.id)).toEqual(r);
        expect(live.stats).toEqual(offline.stats);
      });
    });
  }
});
