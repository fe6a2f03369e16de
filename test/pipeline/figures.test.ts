/**
 * `figures`: the study's charts from the shared captures, one bar per configuration, with
 * the same numbers as the main job's statistics.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeFigures, type Figure } from '../../src/pipeline/figures.js';
import { analyse } from '../../src/pipeline/analyse.js';
import { nomadPhaseModel, nomadLogPhases } from '../../src/timeline/phaseModel.js';
import { svgToPng } from '../../src/report/svgToPng.js';
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

  it('draws the main job\'s means', async () => {
    const stock = await analyse(capturePath('nomad-2016-stock'), { logFiles: [log('nomad-2016-stock')] });
    const fig16 = figures.find((f) => f.figure === 16)!;
    const group = fig16.svg.split('data-group="stock"')[1].split('data-group="tuned"')[0];
    const drawn = [...group.matchAll(/<rect data-phase="([^"]+)" data-mean="([^"]+)"/g)].map((m) => [m[1], Number(m[2])] as const);
    // Every phase of the model has its bar, each at the main job's mean (a renamed attribute finds none).
    expect(drawn.map(([phase]) => phase)).toEqual([...nomadPhaseModel.sequence]);
    for (const [phase, mean] of drawn) {
      expect(mean, phase).toBeGreaterThan(0);
      expect(mean, phase).toBeCloseTo(stock.stats.nomad[phase].mean, 9);
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
