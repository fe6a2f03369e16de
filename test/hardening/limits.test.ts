/**
 * Bounded resources: each limit, set small, is hit, counted, and reported in a warning that
 * names the requests in flight when it was hit; the analysis goes on.
 */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import { loadCaptureBase, writeRecords } from '../../fuzz/captureBase.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { capturePath, runsOf } from '../helpers/groundTruth.js';
import { tempFile } from '../helpers/captureRecords.js';

describe('limits', () => {
  it('open requests: past the bound the oldest open request is given up, named and counted', async () => {
    // Bursts of 4 concurrent boots with room for 2 open requests.
    const r = await analyse(capturePath('nova-burst'), { maxOpenRequests: 2 });
    const givenUp = r.counters.requestsGivenUp as number;
    expect(givenUp).toBeGreaterThan(0);
    const named = r.warnings.filter((w) => /open-request limit \(2\) reached: request [0-9a-f-]{36} given up/.test(w));
    expect(named.length).toBe(Math.min(givenUp, 20));
    expect(r.requests.filter((q) => q.complete).length).toBeLessThan(12);
  });

  it('open requests: sequential boots never have more than one open, so a bound of 1 loses nothing', async () => {
    const r = await analyse(capturePath('nova-seq'), { maxOpenRequests: 1 });
    expect(r.counters.requestsGivenUp).toBe(0);
    expect(r.requests.filter((q) => q.complete).length).toBe(30);
  });

  it('out-of-order bytes: a hole held past the bound becomes a gap, naming the request in flight', async () => {
    // Swap two data segments of the Nomad RPC connection inside run 5: one arrives early.
    const base = await loadCaptureBase('tuned', capturePath('nomad-2016-tuned'));
    const run = runsOf('nomad-2016-tuned')[4];
    const [from, to] = [BigInt(run.t_submit_ns), BigInt(run.t_running_ns)];
    const isRpcData = (d: Uint8Array) => d.length > 66 && ((d[34] << 8) | d[35]) === 4647; // client → server:4647, payload
    const i = base.records.findIndex((r) => r.ts > from && r.ts < to && isRpcData(r.data));
    let j = i + 1;
    while (!isRpcData(base.records[j].data)) j++;
    const records = [...base.records];
    [records[i], records[j]] = [
      { ...records[j], ts: records[i].ts },
      { ...records[i], ts: records[j].ts },
    ];
    const file = tempFile('reordered.pcapng', writeRecords(records, 'pcapng', base.tsPrecision));
    const loose = await analyse(file);
    expect(loose.counters.net).toBeDefined();
    const tight = await analyse(file, { reassembly: { maxBufferedBytesPerDirection: 16 } });
    const net = (tight.counters.net as { bufferLimitHits: number; gaps: number }[])[0];
    expect(net.bufferLimitHits).toBeGreaterThan(0);
    const w = tight.warnings.find((x) => x.startsWith('maxBufferedBytes limit hit'));
    expect(w).toBeDefined();
    expect(w).toContain(run.alloc_id);
    // Without the bound the reordering is simply repaired.
    expect((loose.counters.net as { gaps: number }[])[0].gaps).toBe(0);
    expect(loose.requests.filter((q) => q.complete).length).toBe(40);
  });

  it('open connections: past the bound new connections are counted, not reassembled', async () => {
    const r = await analyse(capturePath('nova-seq'), { reassembly: { maxConnections: 4 } });
    const net = (r.counters.net as { connectionLimitHits: number }[])[0];
    expect(net.connectionLimitHits).toBeGreaterThan(0);
    expect(r.warnings.some((w) => w.startsWith('maxConnections limit hit'))).toBe(true);
  });

  it('bytes kept per message: bodies over the bound are truncated and counted, not kept', async () => {
    const r = await analyse(capturePath('nova-seq'), { limits: { maxBodyBytes: 1024 } });
    const amqp = (r.counters.protocols as Record<string, Record<string, number>>).amqp;
    expect(amqp.bodyTruncated).toBeGreaterThan(0);
    expect(r.warnings.some((w) => /truncat/i.test(w))).toBe(true);
  });

  it('kept messages: past the bound the rest are counted, the requests after it named, the timelines unchanged', async () => {
    const full = await analysedCapture('nova-seq');
    const total = Object.values(full.counters.messages as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(full.counters.messagesNotKept).toBe(0);
    const bounded = await analyse(capturePath('nova-seq'), { maxMessages: 1000 });
    expect(bounded.counters.messagesNotKept).toBe(total - 1000);
    const w = bounded.warnings.find((x) => x.startsWith('message limit (1000) reached'));
    expect(w).toBeDefined();
    expect(w).toContain(`${total - 1000} later messages not kept`);
    // The requests from where the log filled up are named; the first one is not.
    const named = full.requests.filter((q) => w!.includes(q.id)).map((q) => q.id);
    expect(named.length).toBeGreaterThan(0);
    expect(named.length).toBeLessThan(full.requests.length);
    expect(named).not.toContain(full.requests[0].id);
    // Timelines do not depend on the log.
    expect(bounded.requests).toEqual(full.requests);
  });

  it('a limit given as undefined keeps its default (no NaN bound)', async () => {
    const r = await analyse(capturePath('nova-seq'), {
      limits: { maxBodyBytes: undefined },
      reassembly: { maxConnections: undefined },
    });
    expect(r.requests.filter((q) => q.complete).length).toBe(30);
    expect(r.warnings.filter((w) => /limit/.test(w))).toEqual([]);
  });
});
