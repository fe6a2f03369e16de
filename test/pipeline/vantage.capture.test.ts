/**
 * Vantage points: what one host's `tcpdump -i any` would have seen (SLL2 views made from
 * the bridge captures), and two such captures merged.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import { captureInfo } from '../../src/pipeline/captureInfo.js';
import type { AnalysisResult } from '../../src/pipeline/types.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { capturePath } from '../helpers/groundTruth.js';
import { tempFile } from '../helpers/captureRecords.js';
import { hostView } from '../helpers/vantageView.js';
import { ipv4, tcp, sll2 } from '../helpers/packetBuilder.js';
import { pcap } from '../helpers/pcapWriter.js';

const views = [
  { name: 'nova-seq', host: '10.98.0.1' },
  { name: 'nomad-2016-stock', host: '10.99.0.1' },
];

for (const v of views) {
  describe(`${v.name} seen from ${v.host} only (SLL2)`, () => {
    let full: AnalysisResult, view: AnalysisResult, file: string;
    beforeAll(async () => {
      file = tempFile(`${v.name}-${v.host}.pcap`, await hostView(capturePath(v.name), { hosts: [v.host] }));
      [full, view] = [await analysedCapture(v.name), await analyse(file)];
    });

    it('still gives every run as a complete request', () => {
      expect(view.requests.filter((r) => r.complete).length).toBe(full.requests.filter((r) => r.complete).length);
    });

    it('gives each phase exactly, or marked approx (naming the substitute) within 5 ms', () => {
      const byId = new Map(full.requests.map((r) => [r.id, r]));
      let approx = 0;
      for (const r of view.requests) {
        for (const [name, p] of Object.entries(r.phases)) {
          const f = byId.get(r.id)!.phases[name];
          if (p.approx) {
            approx++;
            expect(p.substitute).toBeTruthy();
            expect(Math.abs(p.ms - f.ms), `${r.id} ${name}`).toBeLessThan(5);
          } else expect(p.ms, `${r.id} ${name}`).toBeCloseTo(f.ms, 6);
        }
      }
      // The controller cannot see the compute host's AMQP connection: Nova's dispatch,
      // compute and notification rest on substitutes; the Nomad server sees everything.
      if (v.name.startsWith('nova')) expect(approx).toBeGreaterThan(0);
      else expect(approx).toBe(0);
    });

    it('names the host whose view it is, in info and in the result', async () => {
      const info = await captureInfo(file);
      expect(info.vantage.kind).toBe('single-host');
      expect(info.vantage.observers).toEqual([v.host]);
      expect(view.captures[0].vantage.observers).toEqual([v.host]);
    });
  });
}

describe("the compute host's own view of nova-seq", () => {
  it('reports its requests incomplete, saying the API side is not visible from it', async () => {
    const file = tempFile('nova-cmp.pcap', await hostView(capturePath('nova-seq'), { hosts: ['10.98.0.2'] }));
    const r = await analyse(file);
    expect(r.requests.length).toBe(30);
    for (const q of r.requests) {
      expect(q.complete).toBe(false);
      expect(q.missing).toContain('POST /v2.1/servers');
      expect(q.reason).toMatch(/not visible from 10\.98\.0\.2/);
    }
    expect(r.availability.nova.api.absent).toBe(30);
  });
});

const merges = [
  { name: 'nova-seq', a: ['10.98.0.1', '10.98.0.4'], b: ['10.98.0.2'], shiftMs: 7.3 },
  { name: 'nomad-2016-stock', a: ['10.99.0.1'], b: ['10.99.0.2'], shiftMs: -4.2 },
];

for (const m of merges) {
  describe(`${m.name}: core-host and compute-host captures merged (compute clock shifted ${m.shiftMs} ms)`, () => {
    let full: AnalysisResult, merged: AnalysisResult, fileB: string;
    beforeAll(async () => {
      const fileA = tempFile(`${m.name}-a.pcap`, await hostView(capturePath(m.name), { hosts: m.a }));
      fileB = tempFile(
        `${m.name}-b.pcap`,
        await hostView(capturePath(m.name), { hosts: m.b, shiftNs: BigInt(Math.round(m.shiftMs * 1e6)) }),
      );
      full = await analysedCapture(m.name);
      merged = await analyse([fileA, fileB]);
    });

    it("estimates the second capture's offset within 1 ms of the applied shift", () => {
      const c = merged.clocks[`capture:${fileB}`];
      expect(c).toBeDefined();
      expect(Math.abs(c.offsetMs - m.shiftMs)).toBeLessThan(1);
    });

    it('gives every phase of every request within 0.1 ms of the full capture', () => {
      const byId = new Map(merged.requests.map((r) => [r.id, r]));
      const complete = full.requests.filter((r) => r.complete);
      expect(merged.requests.filter((r) => r.complete).length).toBe(complete.length);
      for (const f of complete) {
        const r = byId.get(f.id)!;
        for (const [name, p] of Object.entries(f.phases)) {
          if (name === 'auth') continue; // the client's keystone traffic is in neither view
          expect(r.phases[name], `${f.id} ${name}`).toBeDefined();
          expect(Math.abs(r.phases[name].ms - p.ms), `${f.id} ${name}`).toBeLessThan(0.1);
        }
      }
    });
  });
}

describe('-i any: one frame seen on two interfaces', () => {
  it('is counted once, and the counter says so', async () => {
    const seg = (seq: number, payload: string) =>
      ipv4(tcp(new TextEncoder().encode(payload), { sport: 40000, dport: 4646, seq, ack: 1, flags: 0x18 }), {
        src: '10.0.0.1',
        dst: '10.0.0.2',
      });
    const a = seg(1000, 'GET / HTTP/1.1\r\n'),
      b = seg(1016, 'Host: x\r\n\r\n');
    // Each packet crosses a veth (ifindex 5) and then the bridge (ifindex 3), 40 µs apart.
    const frames = [
      { sec: 1, nsec: 0, data: sll2(a, 5) },
      { sec: 1, nsec: 40_000, data: sll2(a, 3) },
      { sec: 1, nsec: 500_000, data: sll2(b, 5) },
      { sec: 1, nsec: 540_000, data: sll2(b, 3) },
    ];
    const info = await captureInfo(tempFile('dup.pcap', pcap(frames, { linkType: 276, nano: true })));
    expect(info.net.duplicateFrames).toBe(2);
    expect(info.net.retransmissions).toBe(0);
    expect(info.connections[0].bytes[0]).toBe(27);
  });
});

describe('nova-net (real Neutron) from one host: which networking phases each view can measure', () => {
  let full: AnalysisResult, ctl: AnalysisResult, cmp: AnalysisResult;
  beforeAll(async () => {
    const path = capturePath('nova-net');
    full = await analysedCapture('nova-net');
    ctl = await analyse(tempFile('nova-net-ctl.pcap', await hostView(path, { hosts: ['10.98.0.1'] })));
    cmp = await analyse(tempFile('nova-net-cmp.pcap', await hostView(path, { hosts: ['10.98.0.2'] })));
  });
  const byId = (r: AnalysisResult) => new Map(r.requests.map((q) => [q.id, q]));

  it("from the controller: the compute host's port calls and the agent are absent with the vantage reason; vif_plugged.nova approx on the publish", () => {
    const f = byId(full);
    expect(ctl.requests.filter((r) => r.complete).length).toBe(20);
    for (const r of ctl.requests) {
      for (const name of ['network', 'vif_plugged', 'vif_plugged.neutron']) {
        expect(r.phases[name], `${r.id} ${name}`).toBeUndefined();
        expect(r.absent[name]).toMatch(/not visible: this capture holds only 10\.98\.0\.1's connections/);
      }
      const nova = r.phases['vif_plugged.nova'];
      expect(nova.approx).toBe(true);
      expect(nova.substitute).toBe('vif.event.publish');
      expect(Math.abs(nova.ms - f.get(r.id)!.phases['vif_plugged.nova'].ms)).toBeLessThan(5);
    }
    expect(ctl.availability.nova.network.absent).toBe(20);
    expect(ctl.availability.nova['vif_plugged.nova'].approx).toBe(20);
  });

  it('from the compute host: network, image_download and vif_plugged exact; the event POST between other hosts absent', () => {
    const f = byId(full);
    for (const r of cmp.requests) {
      const whole = f.get(r.id)!;
      for (const name of ['network', 'vif_plugged', 'image_download']) {
        if (!whole.phases[name]) continue;
        expect(r.phases[name], `${r.id} ${name}`).toBeDefined();
        expect(r.phases[name].approx).toBeUndefined();
        expect(r.phases[name].ms).toBeCloseTo(whole.phases[name].ms, 6);
      }
      // neutron-server → nova-api happens between two other hosts.
      expect(r.phases['vif_plugged.neutron']).toBeUndefined();
      expect(r.absent['vif_plugged.neutron']).toMatch(/os-server-external-events.*not visible/);
    }
    expect(cmp.availability.nova.network.exact).toBe(20);
  });
});
