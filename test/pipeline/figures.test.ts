/**
 * `figures`: the study's charts from the shared captures, one bar per configuration, with
 * the same numbers as the main job's statistics.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeFigures, splitPhaseStats, type Figure } from '../../src/pipeline/figures.js';
import { nomadPhaseModel, nomadLogPhases } from '../../src/timeline/phaseModel.js';
import { svgToPng } from '../../src/report/svgToPng.js';
import { analysedCapture } from '../helpers/analysedCaptures.js';
import { capturePath, sharedFile } from '../helpers/groundTruth.js';

const log = (name: string) => sharedFile(name, 'logs/nomad-client.log');

describe('figures on Nomad stock and tuned', () => {
  let figures: Figure[];
  beforeAll(async () => {
    ({ figures } = await makeFigures([
      { label: 'stock', captures: [capturePath('nomad-2016-stock')], logs: [log('nomad-2016-stock')] },
      { label: 'tuned', captures: [capturePath('nomad-2016-tuned')], logs: [log('nomad-2016-tuned')] },
    ]));
  });

  it('draws Figures 16 and 17, each with one bar per configuration and the phases of the model', () => {
    expect(figures.map((f) => f.figure)).toEqual([16, 17]);
    for (const f of figures) {
      expect(f.drawn).toEqual(['stock', 'tuned']);
      const phases = f.figure === 16 ? nomadPhaseModel.sequence : nomadLogPhases;
      for (const bar of ['stock', 'tuned']) {
        const group = f.svg.split(`data-group="${bar}"`)[1].split('</g>\n<g class=')[0];
        expect([...group.matchAll(/<rect data-phase="([^"]+)"/g)].map((m) => m[1])).toEqual([...phases]);
      }
    }
  });

  it("draws the main job's means", async () => {
    // The run's shared analysis with this log (mergeLogs reads the same).
    const stock = await analysedCapture('nomad-2016-stock', [log('nomad-2016-stock')]);
    const fig16 = figures.find((f) => f.figure === 16)!;
    const group = fig16.svg.split('data-group="stock"')[1].split('data-group="tuned"')[0];
    const drawn = [...group.matchAll(/<rect data-phase="([^"]+)" data-mean="([^"]+)"/g)].map(
      (m) => [m[1], Number(m[2])] as const,
    );
    // Every phase of the model has its bar, each at the main job's mean (a renamed attribute finds none).
    expect(drawn.map(([phase]) => phase)).toEqual([...nomadPhaseModel.sequence]);
    for (const [phase, mean] of drawn) {
      expect(mean, phase).toBeGreaterThan(0);
      expect(mean, phase).toBeCloseTo(stock.stats.nomad[phase].meanMs, 9);
    }
  });

  it('renders a PNG of each', () => {
    for (const f of figures) {
      const png = svgToPng(f.svg);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.length).toBeGreaterThan(10_000);
    }
  });
});

describe('Figure 15 with the network wait', () => {
  it("draws nova-net's spawn breakdown: create image, XML and libvirt spawn, at the main job's means", async () => {
    const logs = [sharedFile('nova-net', 'logs/nova-compute.log')];
    const { figures, results } = await makeFigures([{ label: 'nova-net', captures: [capturePath('nova-net')], logs }]);
    const fig15 = figures.find((f) => f.figure === 15)!;
    expect(fig15.drawn).toEqual(['nova-net']);
    const stats = results[0].result.stats.nova;
    const drawn = [...fig15.svg.matchAll(/<rect data-phase="([^"]+)" data-mean="([^"]+)"/g)].map(
      (m) => [m[1], Number(m[2])] as const,
    );
    // nova-net's log predates the spawn.vif_plugged_wait marker: the wait stays inside libvirt_spawn.
    expect(drawn.map(([p]) => p)).toEqual(['spawn.create_image', 'spawn.generate_xml', 'spawn.libvirt_spawn']);
    for (const [phase, mean] of drawn) expect(mean, phase).toBeCloseTo(stats[phase].meanMs, 9);
  });

  it('splits libvirt_spawn into the wait for network-vif-plugged and the rest where the log marks the wait', () => {
    const phase = (ms: number) => ({ ms, start: '', end: '', source: 'log' as const, host: 'compute1' });
    const requests = [
      [1900, 1500],
      [2100, 1800],
      [800, 500],
    ].map(([whole, part], i) => ({
      vim: 'nova' as const,
      id: `s${i}`,
      keys: {},
      complete: true,
      missing: [],
      absent: {},
      phases: { 'spawn.libvirt_spawn': phase(whole), 'spawn.vif_plugged_wait': phase(part) },
    }));
    const stats = { 'spawn.libvirt_spawn': { n: 3, meanMs: 1600 }, 'spawn.vif_plugged_wait': { n: 3, meanMs: 1266.7 } };
    const result = { requests, stats: { nova: stats } } as unknown as Parameters<typeof splitPhaseStats>[0];
    const split = splitPhaseStats(result, 'nova', { whole: 'spawn.libvirt_spawn', part: 'spawn.vif_plugged_wait' });
    // (400 + 300 + 300) / 3: the rest of libvirt_spawn; the wait keeps its own statistics.
    expect(split['spawn.libvirt_spawn'].meanMs).toBeCloseTo(1000 / 3, 9);
    expect(split['spawn.libvirt_spawn'].n).toBe(3);
    expect(split['spawn.vif_plugged_wait']).toBe(stats['spawn.vif_plugged_wait']);
    // Without the marker nothing changes.
    const none = {
      requests,
      stats: { nova: { 'spawn.libvirt_spawn': stats['spawn.libvirt_spawn'] } },
    } as unknown as Parameters<typeof splitPhaseStats>[0];
    expect(
      splitPhaseStats(none, 'nova', { whole: 'spawn.libvirt_spawn', part: 'spawn.vif_plugged_wait' })[
        'spawn.libvirt_spawn'
      ].meanMs,
    ).toBe(1600);
  });
});
