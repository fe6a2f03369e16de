/**
 * A capture taken on one host (`tcpdump -i any`: Linux SLL2) must give that host's
 * connections exactly as the bridge capture does: same endpoints, same bytes, same times.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { reassembleTcp, type ReassembleResult } from '../../src/net/reassembleTcp.js';
import { capturePath } from '../helpers/groundTruth.js';
import { hostView } from '../helpers/vantageView.js';

const views: [capture: string, host: string][] = [
  ['nova-seq', '10.98.0.1'],
  ['nomad-2016-stock', '10.99.0.1'],
];

const summary = (r: ReassembleResult, host: string) =>
  r.connections
    .filter((c) => c.info.client.ip === host || c.info.server.ip === host)
    .map((c) => ({
      client: c.info.client,
      server: c.info.server,
      bytes: c.bytes,
      packets: c.packets,
      gaps: c.gaps,
      startNs: r.clock.absoluteNs(c.info.startTs),
    }));

describe.each(views)('single-host SLL2 view of %s from %s', (capture, host) => {
  it('has the same connections, bytes and start times as the bridge capture', async () => {
    const full = await reassembleTcp(capturePath(capture), () => null);
    const view = await hostView(capturePath(capture), { hosts: [host] });
    const single = await reassembleTcp(Readable.from([Buffer.from(view)]), () => null);
    expect(single.linkTypes).toEqual(new Map([[276, single.capture.packets]]));
    expect(single.capture.tsPrecision).toBe(9);
    const expected = summary(full, host);
    expect(expected.length).toBeGreaterThan(0);
    expect(summary(single, host)).toEqual(expected);
    // Every connection of the view involves the host.
    expect(single.connections).toHaveLength(expected.length);
  });
});
