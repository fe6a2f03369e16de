/**
 * The phase models: what each phase of a VM start is, as data (DESIGN.md, "Phases").
 * A milestone lists the observations that can stand for it, preferred first; a phase is
 * the interval between two milestones. Adding a phase is adding a row.
 */
import type { MilestoneDef, PhaseDef, PhaseModel } from './types.js';

/** Sub-phases timed by compute-host log markers (`vimts … phase=<name> edge=begin|end`). */
export const novaLogPhases = [
  'build',
  'spawn',
  'spawn.create_image',
  'spawn.generate_xml',
  'spawn.libvirt_spawn',
  'spawn.vif_plugged_wait',
] as const;
export const nomadLogPhases = ['driver.download_artifact', 'driver.init_env', 'driver.spawn', 'driver.clean'] as const;

/** Milestones and phases for log-marked sub-phases: `log:<phase>.begin` → `log:<phase>.end`. */
function logPhases(
  names: readonly string[],
  parentOf: (name: string) => string,
): { milestones: MilestoneDef[]; phases: PhaseDef[] } {
  const milestones: MilestoneDef[] = [];
  const phases: PhaseDef[] = [];
  for (const name of names) {
    milestones.push(
      { name: `${name}.begin`, observations: [`log:${name}.begin`], missing: `log marker ${name} begin` },
      { name: `${name}.end`, observations: [`log:${name}.end`], missing: `log marker ${name} end` },
    );
    phases.push({
      name,
      from: `${name}.begin`,
      to: `${name}.end`,
      parent: parentOf(name),
      optional: true,
      absentReason: 'no compute-host log marker for it',
    });
  }
  return { milestones, phases };
}

/** A boot that got no Neutron port has no networking phases: say so rather than "not captured". */
const withoutPort = {
  absentUnless: { observation: 'port.known', reason: 'no Neutron port for this server (a boot without a network)' },
} as const;

// The hypervisor spawn runs inside nova-compute's build, which is the compute phase.
/** Where each Nova log phase nests: the wait for network-vif-plugged is inside the libvirt spawn. */
const novaLogParents: Readonly<Record<(typeof novaLogPhases)[number], string>> = {
  build: 'compute',
  spawn: 'build',
  'spawn.create_image': 'spawn',
  'spawn.generate_xml': 'spawn',
  'spawn.libvirt_spawn': 'spawn',
  'spawn.vif_plugged_wait': 'spawn.libvirt_spawn',
};
const novaLogs = logPhases(novaLogPhases, (n) => novaLogParents[n as (typeof novaLogPhases)[number]]);

export const novaPhaseModel: PhaseModel = {
  vim: 'nova',
  milestones: [
    { name: 'post', observations: ['post.first'], missing: 'POST /v2.1/servers' },
    { name: 'accepted', observations: ['post.response.last'], missing: '202 response to POST /v2.1/servers' },
    {
      name: 'cast',
      observations: ['schedule.publish', 'schedule.deliver'],
      missing: 'schedule_and_build_instances cast',
    },
    {
      name: 'scheduled',
      observations: ['select.reply.deliver', 'select.reply.publish'],
      missing: 'select_destinations reply',
    },
    { name: 'dispatched', observations: ['build.deliver', 'build.publish'], missing: 'build_and_run_instance cast' },
    {
      name: 'built',
      observations: ['save.active.publish', 'save.active.deliver', 'create.end.publish', 'create.end.deliver'],
      missing: 'instance saved active (object_action save) or instance.create.end',
    },
    { name: 'active', observations: ['active.poll.last'], missing: 'GET /v2.1/servers/{id} answering ACTIVE' },
    { name: 'auth.first', observations: ['auth.first'], missing: 'token validation' },
    { name: 'auth.last', observations: ['auth.last'], missing: 'token validation response' },
    { name: 'image.first', observations: ['image.first'], missing: 'Glance image lookup' },
    { name: 'image.last', observations: ['image.last'], missing: 'Glance image lookup response' },
    // A real boot's networking and image download, inside compute (DESIGN.md, Nova table).
    {
      name: 'port.created',
      observations: ['port.post.first'],
      missing: "compute host's POST /v2.0/ports for the server",
    },
    {
      name: 'port.bound',
      observations: ['port.bound.last'],
      missing: 'response to PUT /v2.0/ports/{port} binding the port',
    },
    { name: 'download.first', observations: ['image.download.first'], missing: 'GET /v2/images/{id}/file' },
    { name: 'download.last', observations: ['image.download.last'], missing: 'GET /v2/images/{id}/file response' },
    {
      name: 'device.up',
      observations: ['device.up.publish', 'device.up.deliver'],
      missing: "the Neutron agent's update_device_up for the port",
    },
    {
      name: 'vif.posted',
      observations: ['vif.event.post.first'],
      missing: 'POST /v2.1/os-server-external-events with network-vif-plugged',
    },
    {
      name: 'vif.delivered',
      observations: ['vif.event.deliver', 'vif.event.publish'],
      missing: 'external_instance_event network-vif-plugged',
    },
    ...novaLogs.milestones,
  ],
  phases: [
    { name: 'api', from: 'post', to: 'cast' },
    {
      name: 'auth',
      from: 'auth.first',
      to: 'auth.last',
      parent: 'api',
      optional: true,
      absentReason: 'token validation cached',
    },
    { name: 'image', from: 'image.first', to: 'image.last', parent: 'api', optional: true },
    { name: 'scheduling', from: 'cast', to: 'scheduled' },
    { name: 'dispatch', from: 'scheduled', to: 'dispatched' },
    { name: 'compute', from: 'dispatched', to: 'built' },
    ...novaLogs.phases,
    { name: 'network', from: 'port.created', to: 'port.bound', parent: 'compute', optional: true, ...withoutPort },
    {
      name: 'image_download',
      from: 'download.first',
      to: 'download.last',
      parent: 'compute',
      optional: true,
      absentReason: 'image cached on the compute host',
    },
    { name: 'vif_plugged', from: 'device.up', to: 'vif.delivered', parent: 'compute', optional: true, ...withoutPort },
    {
      name: 'vif_plugged.neutron',
      from: 'device.up',
      to: 'vif.posted',
      parent: 'vif_plugged',
      optional: true,
      ...withoutPort,
    },
    {
      name: 'vif_plugged.nova',
      from: 'vif.posted',
      to: 'vif.delivered',
      parent: 'vif_plugged',
      optional: true,
      ...withoutPort,
    },
    { name: 'notification', from: 'built', to: 'active' },
    { name: 'total', from: 'post', to: 'active' },
    { name: 'api_latency', from: 'post', to: 'accepted', optional: true },
  ],
  sequence: ['api', 'scheduling', 'dispatch', 'compute', 'notification'],
};

const nomadLogs = logPhases(nomadLogPhases, () => 'driver');

export const nomadPhaseModel: PhaseModel = {
  vim: 'nomad',
  milestones: [
    { name: 'submit', observations: ['put.first'], missing: 'PUT /v1/jobs' },
    { name: 'submitted', observations: ['put.last'], missing: 'response to PUT /v1/jobs' },
    {
      name: 'listed',
      observations: ['clientallocs.reply.last'],
      missing: 'Node.GetClientAllocs reply listing the alloc',
    },
    { name: 'fetched', observations: ['getallocs.reply.last'], missing: 'Alloc.GetAllocs reply carrying the alloc' },
    { name: 'started', observations: ['started.client', 'log:driver.end'], missing: 'task event Started' },
    { name: 'reported', observations: ['update.running.first'], missing: 'Node.UpdateAlloc reporting running' },
    ...nomadLogs.milestones,
  ],
  phases: [
    { name: 'api', from: 'submit', to: 'submitted' },
    { name: 'scheduling', from: 'submitted', to: 'listed' },
    { name: 'fetch', from: 'listed', to: 'fetched' },
    { name: 'driver', from: 'fetched', to: 'started' },
    ...nomadLogs.phases,
    { name: 'notification', from: 'started', to: 'reported' },
    { name: 'total', from: 'submit', to: 'reported' },
  ],
  sequence: ['api', 'scheduling', 'fetch', 'driver', 'notification'],
};

export const phaseModels = { nova: novaPhaseModel, nomad: nomadPhaseModel } as const;

/** A model's phases depth first: each phase followed by the phases nested in it, in table order. */
export function phaseTreeOrder(model: PhaseModel): string[] {
  const out: string[] = [];
  const visit = (parent: string | undefined) => {
    for (const p of model.phases) {
      if (p.parent !== parent || out.includes(p.name)) continue;
      out.push(p.name);
      visit(p.name);
    }
  };
  visit(undefined);
  return out;
}
