/**
 * Concurrent experiments stay apart: a capture made by interleaving two captures' requests
 * in time (the second moved to other addresses and shifted by half a run) gives, for
 * every request, the same result as each capture alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import type { AnalysisResult, ResultRequest } from '../../src/pipeline/types.js';
import { loadCaptureBase, writeRecords, type BaseRecord } from '../../fuzz/captureBase.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { capturePath } from '../helpers/groundTruth.js';
import { tempFile } from '../helpers/captureRecords.js';

/** Move an Ethernet/IPv4 frame's addresses 10.99.x.y → 10.<net>.x.y (checksum kept valid). */
function moveAddresses(r: BaseRecord, net: number, shiftNs: bigint): BaseRecord {
  const d = r.data.slice();
  if (d.length >= 34 && d[12] === 0x08 && d[13] === 0x00) {
    d[27] = net;
    d[31] = net;
    d[24] = d[25] = 0;
    let sum = 0;
    for (let i = 14; i < 14 + (d[14] & 0x0f) * 4; i += 2) sum += (d[i] << 8) | d[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    d[24] = (~sum >> 8) & 0xff;
    d[25] = ~sum & 0xff;
  }
  return { ...r, data: d, ts: r.ts + shiftNs };
}

const comparable = (r: ResultRequest) => ({
  keys: r.keys,
  complete: r.complete,
  phases: Object.fromEntries(Object.entries(r.phases).map(([k, p]) => [k, Math.round(p.ms * 1000) / 1000])),
});

describe('two Nomad experiments interleaved in one capture', () => {
  let stockAlone: AnalysisResult, tunedAlone: AnalysisResult, both: AnalysisResult;
  beforeAll(async () => {
    const stock = await loadCaptureBase('stock', capturePath('nomad-2016-stock'));
    const tuned = await loadCaptureBase('tuned', capturePath('nomad-2016-tuned'));
    // Tuned's first submission lands half a run after stock's first one.
    const shift = stock.records[0].ts - tuned.records[0].ts + 500_000_000n;
    const moved = tuned.records.map((r) => moveAddresses(r, 100, shift));
    const merged = [...stock.records, ...moved].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    const movedFile = tempFile('tuned-moved.pcapng', writeRecords(moved, 'pcapng', 6));
    const mergedFile = tempFile('interleaved.pcapng', writeRecords(merged, 'pcapng', 6));
    [stockAlone, tunedAlone, both] = [
      await analysedCapture('nomad-2016-stock'),
      await analyse(movedFile),
      await analyse(mergedFile),
    ];
  });

  it("really interleaves the two experiments' requests", () => {
    const order = both.requests.map((r) => (stockAlone.requests.some((s) => s.id === r.id) ? 's' : 't')).join('');
    expect(order).toMatch(/(st|ts){10}/);
    expect(both.requests.length).toBe(80);
  });

  it('gives every request the same result as its capture alone', () => {
    const alone = new Map([...stockAlone.requests, ...tunedAlone.requests].map((r) => [r.id, comparable(r)]));
    for (const r of both.requests) expect(comparable(r), r.id).toEqual(alone.get(r.id));
  });

  it("keeps the two compute hosts' clocks apart", () => {
    expect(both.clocks['10.99.0.2']).toEqual(stockAlone.clocks['10.99.0.2']);
    expect(both.clocks['10.100.0.2']).toEqual(tunedAlone.clocks['10.100.0.2']);
  });
});
