/** The phase model tables: every parent exists, nesting follows what happens on the host. */
import { describe, expect, it } from 'vitest';
import { novaPhaseModel, nomadPhaseModel, phaseTreeOrder } from '../../src/timeline/phaseModel.js';

describe('phase models', () => {
  for (const model of [novaPhaseModel, nomadPhaseModel]) {
    it(`${model.vim}: every parent and milestone a phase names exists; the tree order lists each phase once, after its parent`, () => {
      const names = model.phases.map((p) => p.name);
      const milestones = new Set(model.milestones.map((m) => m.name));
      for (const p of model.phases) {
        if (p.parent !== undefined) expect(names, p.name).toContain(p.parent);
        expect(milestones.has(p.from) && milestones.has(p.to), p.name).toBe(true);
      }
      const order = phaseTreeOrder(model);
      expect([...order].sort()).toEqual([...names].sort());
      for (const p of model.phases) if (p.parent) expect(order.indexOf(p.parent)).toBeLessThan(order.indexOf(p.name));
    });
  }

  it('nests the wait for network-vif-plugged inside the libvirt spawn, and the networking phases inside compute', () => {
    const parent = (n: string) => novaPhaseModel.phases.find((p) => p.name === n)?.parent;
    expect(parent('spawn.vif_plugged_wait')).toBe('spawn.libvirt_spawn');
    expect(parent('spawn.libvirt_spawn')).toBe('spawn');
    for (const n of ['network', 'image_download', 'vif_plugged']) expect(parent(n)).toBe('compute');
    for (const n of ['vif_plugged.neutron', 'vif_plugged.nova']) expect(parent(n)).toBe('vif_plugged');
    const order = phaseTreeOrder(novaPhaseModel);
    expect(order.slice(order.indexOf('compute'), order.indexOf('notification'))).toEqual([
      'compute',
      'build',
      'spawn',
      'spawn.create_image',
      'spawn.generate_xml',
      'spawn.libvirt_spawn',
      'spawn.vif_plugged_wait',
      'network',
      'image_download',
      'vif_plugged',
      'vif_plugged.neutron',
      'vif_plugged.nova',
    ]);
  });
});
