/**
 * `workers`: the capture's connections parsed by worker threads give the very result of one
 * thread, byte for byte as JSON (key order included), on every shared capture, with its logs,
 * and where net limits are hit. The workers run the built code (dist/src/pipeline/captureWorker.js):
 * build first, as `npm test` does.
 */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { capturePath } from '../helpers/groundTruth.js';
import { sharedCaptureList } from '../helpers/sharedCaptureList.js';
import { tempFile } from '../helpers/captureRecords.js';
import { hostilePcap, pipelinedRequests, synFlood, unfinishedBodies } from '../helpers/hostileCaptures.js';

const captures = sharedCaptureList();
const json = (x: unknown) => JSON.stringify(x);

/** One capture per VIM, the smallest, also read without its logs (a capture without logs always is). */
const withoutLogs = new Set(['nova-seq', 'nomad-2016-tuned']);

describe('workers: the same result for any number of them', () => {
  // Each capture once with two workers, with its logs where it has them: logs are merged on the main thread
  // after the workers' reading, which is the same with or without them. The one-thread side is the run's
  // shared analysis.
  it.each(captures.filter((c) => c.logs.length).map((c) => [c.name, c] as const))(
    '%s with its logs: 2 workers give the JSON of 1',
    async (name, c) => {
      const one = await analysedCapture(name, c.logs);
      const two = await analyse(c.file, { logFiles: c.logs, workers: 2 });
      expect(one.requests.length).toBeGreaterThan(0);
      expect(one.counters.logs.length).toBeGreaterThan(0);
      expect(json(two)).toBe(json(one));
    },
  );

  it.each(captures.filter((c) => !c.logs.length || withoutLogs.has(c.name)).map((c) => c.name))(
    '%s: 2 workers give the JSON of 1',
    async (name) => {
      const one = await analysedCapture(name);
      const two = await analyse(capturePath(name), { workers: 2 });
      expect(one.requests.length).toBeGreaterThan(0);
      expect(json(two)).toBe(json(one));
    },
  );

  it('reads one Nova and one Nomad capture without logs too', () => {
    for (const name of withoutLogs) expect(captures.map((c) => c.name)).toContain(name);
  });

  it('3 workers on a Nova capture (RPCs published and delivered on connections of different workers)', async () => {
    const one = await analysedCapture('nova-burst');
    const three = await analyse(capturePath('nova-burst'), { workers: 3 });
    expect(json(three)).toBe(json(one));
  });

  it('net limits hit (connections, quiet connections) and parser warnings come out the same, in the same order', async () => {
    const o = {
      server: ['10.0.0.1', 4646] as [string, number],
      startNs: 1_700_000_000_000_000_000n,
      spanNs: 2_000_000_000n,
    };
    const file = tempFile(
      'parallel-hostile.pcap',
      hostilePcap(
        synFlood(300, o),
        unfinishedBodies(40, 100_000, 3000, o),
        pipelinedRequests(400, { ...o, server: ['10.0.0.2', 4646] }),
      ),
    );
    const options = { reassembly: { maxConnections: 30, maxQuietConnections: 20 } };
    const one = await analyse(file, { ...options, workers: 1 });
    const two = await analyse(file, { ...options, workers: 2 });
    const net = (one.counters.net as { connectionLimitHits: number; quietConnectionsEnded: number }[])[0];
    expect(net.connectionLimitHits + net.quietConnectionsEnded).toBeGreaterThan(0);
    expect(one.warnings.length).toBeGreaterThan(1);
    expect(json(two)).toBe(json(one));
  });
});
