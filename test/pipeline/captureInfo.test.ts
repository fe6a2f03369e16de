import { describe, expect, it } from 'vitest';
import { captureInfo } from '../../src/pipeline/captureInfo.js';
import { capturePath } from '../helpers/groundTruth.js';
import { SessionClock } from '../../src/capture/sessionClock.js';
import { pcap } from '../helpers/pcapWriter.js';
import { tempFile } from '../helpers/captureRecords.js';
import { TcpConversation } from '../helpers/tcpConversation.js';
import { ethernet, ipv4, tunnel, udp } from '../helpers/packetBuilder.js';
import { timed } from '../helpers/netEvents.js';
import { infoText } from '../../src/report/infoText.js';

describe('captureInfo', () => {
  it("guesses each Nomad connection's protocol from port and first bytes", async () => {
    const info = await captureInfo(capturePath('nomad-modern'));
    expect(info.format).toBe('pcapng');
    expect(info.gzip).toBe(true);
    expect(info.tsPrecision).toBe(9);
    const byServer = Object.fromEntries(info.connections.map((c) => [c.server, c.protocol]));
    expect(byServer).toEqual({ '10.99.0.1:4647': 'nomad-rpc', '10.99.0.1:4646': 'http', '10.99.0.4:8080': 'http' });
  });

  it('labels AMQP and HTTP connections of a Nova capture', async () => {
    const info = await captureInfo(capturePath('nova-burst'));
    const amqp = info.connections.filter((c) => c.protocol === 'amqp');
    expect(amqp.length).toBe(26); // README: AMQP TCP connections 26
    expect(info.connections.every((c) => c.protocol !== 'other')).toBe(true);
  });

  it('prints a span of twenty years to the microsecond (relative ns in a double are exact for 104 days only)', async () => {
    const t0 = 1_000_000_000,
      later = t0 + 7305 * 86_400;
    const data = Uint8Array.of(1, 2, 3);
    const info = await captureInfo(
      tempFile(
        'twenty-years.pcap',
        pcap([
          { sec: t0, nsec: 123_456_000, data },
          { sec: later, nsec: 999_999_000, data },
        ]),
      ),
    );
    expect([info.start, info.end]).toEqual(['2001-09-09T01:46:40.123456Z', '2021-09-09T01:46:40.999999Z']);
    expect(info.durationMs).toBe(7305 * 86_400_000 + 876.543);
    // Times printed from relative ns (messages, phases) round to the capture's digits there.
    const clock = new SessionClock();
    clock.relative(t0, 123_456_000);
    expect(clock.iso(clock.relative(later, 999_999_000), 6)).toBe('2021-09-09T01:46:40.999999Z');
  });

  it('gives records that go back in time a positive span, from the earliest to the latest', async () => {
    const t0 = 1_700_000_000,
      data = Uint8Array.of(1);
    const info = await captureInfo(
      tempFile(
        'backwards.pcap',
        pcap([
          { sec: t0 + 100, nsec: 0, data },
          { sec: t0, nsec: 0, data },
          { sec: t0 + 40, nsec: 0, data },
        ]),
      ),
    );
    expect(info.durationMs).toBe(100_000);
    expect([info.start, info.end]).toEqual(['2023-11-14T22:13:20.000000Z', '2023-11-14T22:15:00.000000Z']);
  });

  it('reports what it took out of tunnels, and names link types it does not read', async () => {
    const c = new TcpConversation();
    const vxlan = (ip: Uint8Array) =>
      ethernet(
        ipv4(udp(tunnel.vxlan(ethernet(ip)), { sport: 1, dport: 4789 }), {
          src: '192.168.0.1',
          dst: '192.168.0.2',
          protocol: 17,
        }),
      );
    const frames = [...c.handshake(), c.send(0, 'GET / HTTP/1.1\r\n\r\n')].map((s) => vxlan(c.packet(s)));
    const info = await captureInfo(tempFile('vxlan.pcap', pcap(timed(frames))));
    expect(info.encapsulations).toEqual([{ name: 'VXLAN', packets: 4 }]);
    expect(info.connections.map((x) => [x.client, x.server, x.protocol])).toEqual([
      ['10.0.0.1:40000', '10.0.0.2:80', 'http'],
    ]);
    expect(infoText(info)).toContain('tunnels     VXLAN: 4 packets');
    const radiotap = await captureInfo(
      tempFile('radiotap.pcap', pcap(timed([Uint8Array.of(0, 0, 8, 0, 0, 0, 0, 0)]), { linkType: 127 })),
    );
    expect(radiotap.linkTypes).toEqual([{ linkType: 127, name: 'IEEE 802.11 radiotap', packets: 1 }]);
  });

  it('says in its text what the reader skipped, and which records were odd', async () => {
    const data = Uint8Array.of(1, 2, 3, 4);
    const good = pcap([
      { sec: 1_700_000_000, nsec: 0, data },
      { sec: 1_700_000_001, nsec: 0, data },
      { sec: 1_700_000_002, nsec: 0, data },
      { sec: 1_700_000_003, nsec: 0, data, origLen: 2 },
    ]);
    // 7 bytes of damage after the first record: a header whose incl_len is impossible starts it.
    const cut = 24 + 16 + 4;
    const file = new Uint8Array(good.length + 7);
    file.set(good.subarray(0, cut));
    file.set([0, 0, 0, 0, 0, 0, 0xff], cut);
    file.set(good.subarray(cut), cut + 7);
    const text = infoText(await captureInfo(tempFile('odd-records.pcap', file)));
    expect(text).toContain('1 damaged record headers (7 bytes skipped)');
    expect(text).toContain('packets     4');
    expect(text).toContain('1 records longer than on the wire');
  });
});
