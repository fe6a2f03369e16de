/**
 * Nova: REST and oslo.messaging events → one request per server boot, keyed by the server
 * uuid and joined with the POST's request id. Each event contributes milestone
 * observations (names as in novaPhaseModel); the first observation of a name wins.
 * Publishes are timed by their first byte (when the sender acted), deliveries by their
 * last byte (when the consumer had the whole message).
 */
import type { NovaHttpEvent, NovaRpcEvent } from '../dissectors/nova/types.js';
import type { Observation } from '../dissectors/types.js';
import type { ClockEstimate, MilestoneObservation, MilestoneSet, RequestKeys } from './types.js';
import type { SessionClock } from '../capture/sessionClock.js';
import { ClockBounds } from './clockBounds.js';
import { enforceOpenLimit, rememberBounded, type OpenRequestLimit } from './openRequestLimit.js';
import { endpointHost } from '../net/ipPacket.js';

export interface NovaRequestDraft {
  keys: RequestKeys;
  milestones: MilestoneSet;
  notes: string[];
  /** POST request first byte, for ordering and in-flight checks. */
  postFirst?: number;
  postLast?: number;
  /** Already handed out by takeComplete (streaming). */
  emitted?: boolean;
}

/**
 * A token validation without the request's id is joined by time to the one POST around
 * it; a POST lasting longer than this after the validation is not considered. The bound
 * lets streaming decide a validation once this much capture time has passed, by the same
 * rule as the whole-capture analysis (deciding earlier gave a request a validation that a
 * later-completing POST made ambiguous).
 */
export const tokenSettleNs = 60e9;

const publishObs = (o: Observation): MilestoneObservation => ({
  t: o.first,
  source: 'capture',
  host: endpointHost(o.src),
});
const deliverObs = (o: Observation): MilestoneObservation => ({
  t: o.last,
  source: 'capture',
  host: endpointHost(o.dst),
});

/** The RPC milestones: which method/event gives which observation names. */
interface RpcMilestoneRule {
  matches(ev: NovaRpcEvent): boolean;
  /** Instance uuids the event is about. */
  servers(ev: NovaRpcEvent): string[];
  publish?: string;
  deliver?: string;
  replyPublish?: string;
  replyDeliver?: string;
}

const uuidsOf = (ev: NovaRpcEvent): string[] => ev.ids.servers ?? (ev.ids.server ? [ev.ids.server] : []);

/** The agent names a port's tap device `tap` + the port id's first 11 characters (os-vif, Neutron). */
export const deviceNameOf = (port: string): string => `tap${port.slice(0, 11)}`;

/** External events that say a port is wired (`network-vif-plugged`, tag = port id). */
const VIF_PLUGGED = 'network-vif-plugged';

/** Neutron agent calls that report a device up, by method. */
const DEVICE_UP_METHODS = new Set(['update_device_up', 'update_device_list']);

/** Held until their port is known (the device name joins a port only through it); bounded. */
const MAX_PENDING = 10_000;

export const novaRpcMilestones: RpcMilestoneRule[] = [
  {
    matches: (e) => e.kind === 'rpc-cast' && e.method === 'schedule_and_build_instances',
    servers: uuidsOf,
    publish: 'schedule.publish',
    deliver: 'schedule.deliver',
  },
  {
    matches: (e) => e.kind === 'rpc-call' && e.method === 'select_destinations',
    servers: uuidsOf,
    replyPublish: 'select.reply.publish',
    replyDeliver: 'select.reply.deliver',
  },
  {
    matches: (e) => e.kind === 'rpc-cast' && e.method === 'build_and_run_instance',
    servers: uuidsOf,
    publish: 'build.publish',
    deliver: 'build.deliver',
  },
  {
    matches: (e) =>
      e.method === 'object_action' && e.objmethod === 'save' && e.vmState === 'active' && e.changesVmState === true,
    servers: uuidsOf,
    publish: 'save.active.publish',
    deliver: 'save.active.deliver',
  },
  {
    matches: (e) =>
      e.kind === 'notification' &&
      (e.eventType === 'instance.create.end' || e.eventType === 'compute.instance.create.end'),
    servers: uuidsOf,
    publish: 'create.end.publish',
    deliver: 'create.end.deliver',
  },
];

export class NovaCorrelator {
  /**
   * Publisher clocks from notification timestamps: a notification is stamped before it is
   * published, and instance.create.start after build_and_run_instance reached the host.
   */
  private readonly bounds = new Map<string, ClockBounds>();
  private readonly createStarts: { server: string; hostRel: number; host: string }[] = [];

  constructor(
    private readonly clock?: SessionClock,
    private readonly limit?: OpenRequestLimit,
  ) {}

  /** Host clock estimates (by address) from notification timestamps. */
  clocks(): Record<string, ClockEstimate> {
    for (const c of this.createStarts) {
      const d = this.requests.get(c.server);
      const delivered = d?.milestones.get('build.deliver') ?? d?.milestones.get('build.publish');
      if (delivered) this.boundsOf(c.host).after(c.hostRel, delivered.t);
    }
    this.createStarts.length = 0;
    const out: Record<string, ClockEstimate> = {};
    for (const [host, b] of this.bounds) {
      const e = b.estimate('notification timestamps vs. their publish and the build_and_run_instance before them');
      if (e) out[host] = e;
    }
    return out;
  }

  private boundsOf(host: string): ClockBounds {
    let b = this.bounds.get(host);
    if (!b) this.bounds.set(host, (b = new ClockBounds()));
    return b;
  }

  /** By server uuid. */
  readonly requests = new Map<string, NovaRequestDraft>();
  private byRequestId = new Map<string, NovaRequestDraft>();
  /** Glance lookups seen before their POST's 202 (which names the request id). */
  private imageByRequest = new Map<string, NovaHttpEvent>();
  /** ACTIVE polls of servers not seen yet. */
  private activeByServer = new Map<string, NovaHttpEvent>();
  private tokenValidations: NovaHttpEvent[] = [];
  /** Port id → server, from the port's create, its external events. */
  private serverByPort = new Map<string, string>();
  /** Device name (`tap…`) → port id. */
  private portByDevice = new Map<string, string>();
  /** Port updates and device-up calls seen before their port's server was known. */
  private pendingPortUpdates = new Map<string, NovaHttpEvent>();
  private pendingDeviceUps = new Map<string, NovaRpcEvent>();
  /** Image downloads seen before their boot's request id was known. */
  private downloadByRequest = new Map<string, NovaHttpEvent>();

  private readonly released = new Set<string>();

  private draft(server: string): NovaRequestDraft {
    if (this.released.has(server)) return { keys: { server }, milestones: new Map(), notes: [] };
    let d = this.requests.get(server);
    if (!d) {
      this.requests.set(server, (d = { keys: { server }, milestones: new Map(), notes: [] }));
      enforceOpenLimit(this.requests, (x) => !x.milestones.has('active.poll.last'), this.limit);
    }
    return d;
  }

  private set(d: NovaRequestDraft, name: string, obs: MilestoneObservation): void {
    const cur = d.milestones.get(name);
    if (!cur || obs.t < cur.t) d.milestones.set(name, obs);
  }

  http(ev: NovaHttpEvent): void {
    if (ev.service === 'nova-api' && ev.route === 'POST /v2.1/servers') {
      const server = ev.ids.server;
      if (!server) return; // no 202 seen: nothing to key it by
      const d = this.draft(server);
      d.postFirst = ev.reqFirst;
      d.postLast = ev.respLast ?? undefined;
      if (ev.ids.request) this.learnRequestId(d, ev.ids.request);
      const active = this.activeByServer.get(server);
      if (active) {
        this.activeByServer.delete(server);
        this.joinHttp(active);
      }
      this.set(d, 'post.first', { t: ev.reqFirst, source: 'capture', host: endpointHost(ev.dst) });
      if (ev.respLast !== null)
        this.set(d, 'post.response.last', { t: ev.respLast, source: 'capture', host: endpointHost(ev.src) });
      return;
    }
    this.joinHttp(ev);
  }

  rpc(ev: NovaRpcEvent): void {
    if (this.clock && ev.kind === 'notification' && ev.notificationTimestampUs !== undefined && ev.publish) {
      const host = endpointHost(ev.publish.src);
      const hostRel = this.clock.relativeFromUnixNs(BigInt(Math.round(ev.notificationTimestampUs)) * 1000n);
      this.boundsOf(host).before(hostRel, ev.publish.first);
      const server = ev.ids.server;
      if (server && (ev.eventType === 'instance.create.start' || ev.eventType === 'compute.instance.create.start'))
        this.createStarts.push({ server, hostRel, host });
    }
    if (ev.method !== undefined && DEVICE_UP_METHODS.has(ev.method) && ev.devices?.length) {
      this.deviceUp(ev);
      return;
    }
    if (ev.method === 'external_instance_event' && ev.externalEvents?.length) {
      for (const e of ev.externalEvents) {
        if (e.tag !== undefined) this.learnPort(e.tag, e.server);
        if (e.name !== VIF_PLUGGED) continue;
        const d = this.draft(e.server);
        if (ev.publish) this.set(d, 'vif.event.publish', publishObs(ev.publish));
        if (ev.deliveries.length) this.set(d, 'vif.event.deliver', deliverObs(ev.deliveries[0]));
      }
      return;
    }
    for (const rule of novaRpcMilestones) {
      if (!rule.matches(ev)) continue;
      for (const server of rule.servers(ev)) {
        const d = this.draft(server);
        // Without the POST (the compute host's own view) the boot's request id comes from here.
        if (ev.requestId && !d.keys.request) this.learnRequestId(d, ev.requestId);
        if (rule.publish && ev.publish) this.set(d, rule.publish, publishObs(ev.publish));
        if (rule.deliver && ev.deliveries.length) this.set(d, rule.deliver, deliverObs(ev.deliveries[0]));
        if (rule.replyPublish && ev.reply?.publish) this.set(d, rule.replyPublish, publishObs(ev.reply.publish));
        if (rule.replyDeliver && ev.reply?.deliveries.length)
          this.set(d, rule.replyDeliver, deliverObs(ev.reply.deliveries[0]));
      }
      return;
    }
  }

  /** Streaming: drafts that became complete under `isComplete` since the last call. */
  takeComplete(
    isComplete: (d: NovaRequestDraft) => boolean,
    release = false,
    now = Number.POSITIVE_INFINITY,
  ): NovaRequestDraft[] {
    this.joinTokenValidations(now);
    const out: NovaRequestDraft[] = [];
    for (const [server, d] of this.requests) {
      if (!d.emitted && isComplete(d) && !this.awaitsTokenValidation(d)) {
        d.emitted = true;
        out.push(d);
        // Live sessions drop what they reported; later events about it are ignored.
        if (release) {
          this.requests.delete(server);
          if (d.keys.request) this.byRequestId.delete(d.keys.request);
          rememberBounded(this.released, server);
        }
      }
    }
    return out;
  }

  /** Join what could only be joined with everything seen (token validations); all drafts. */
  end(): NovaRequestDraft[] {
    this.joinTokenValidations();
    return [...this.requests.values()];
  }

  /** The boot's request id is known: join the Glance calls made under it. */
  private learnRequestId(d: NovaRequestDraft, id: string): void {
    d.keys.request = id;
    this.byRequestId.set(id, d);
    const image = take(this.imageByRequest, id);
    if (image) this.joinHttp(image);
    const download = take(this.downloadByRequest, id);
    if (download) this.joinHttp(download);
  }

  /** A port's server is known: join what waited for it. */
  private learnPort(port: string, server: string): void {
    if (this.serverByPort.has(port)) return;
    bounded(this.serverByPort).set(port, server);
    const d = this.requests.get(server);
    if (d && d.keys.port === undefined) d.keys.port = port;
    const device = deviceNameOf(port);
    bounded(this.portByDevice).set(device, port);
    const put = take(this.pendingPortUpdates, port);
    if (put) this.portUpdate(put);
    const up = take(this.pendingDeviceUps, device);
    if (up) this.deviceUp(up);
  }

  /** The agent reports a device up: its port's server gets the vif_plugged start. */
  private deviceUp(ev: NovaRpcEvent): void {
    for (const device of ev.devices ?? []) {
      const port = this.portByDevice.get(device);
      const server = port === undefined ? undefined : this.serverByPort.get(port);
      if (server === undefined) {
        if (!this.pendingDeviceUps.has(device)) bounded(this.pendingDeviceUps).set(device, ev);
        continue;
      }
      const d = this.draft(server);
      this.set(d, 'port.known', {
        t: ev.publish?.first ?? ev.deliveries[0]?.first ?? 0,
        source: 'capture',
        host: device,
      });
      if (ev.publish) this.set(d, 'device.up.publish', publishObs(ev.publish));
      if (ev.deliveries.length) this.set(d, 'device.up.deliver', deliverObs(ev.deliveries[0]));
    }
  }

  /** `PUT /v2.0/ports/{port}` setting `binding:host_id`: the port is bound when it answers. */
  private portUpdate(ev: NovaHttpEvent): void {
    const port = ev.ids.port;
    if (port === undefined || ev.bindingHost === undefined || ev.respLast === null) return;
    const server = this.serverByPort.get(port);
    if (server === undefined) {
      if (!this.pendingPortUpdates.has(port)) bounded(this.pendingPortUpdates).set(port, ev);
      return;
    }
    this.set(this.draft(server), 'port.bound.last', { t: ev.respLast, source: 'capture', host: endpointHost(ev.dst) });
  }

  private joinHttp(ev: NovaHttpEvent): void {
    if (ev.service === 'neutron') {
      if (ev.route === 'POST /v2.0/ports' && ev.ids.server !== undefined && ev.status !== null && ev.status < 300) {
        const d = this.draft(ev.ids.server);
        this.set(d, 'port.post.first', { t: ev.reqFirst, source: 'capture', host: endpointHost(ev.src) });
        this.set(d, 'port.known', { t: ev.reqFirst, source: 'capture', host: endpointHost(ev.src) });
        if (ev.ids.port !== undefined) this.learnPort(ev.ids.port, ev.ids.server);
      } else if (ev.route === 'PUT /v2.0/ports/{id}') this.portUpdate(ev);
      return;
    }
    if (ev.service === 'nova-api' && ev.route === 'POST /v2.1/os-server-external-events' && ev.externalEvents?.length) {
      for (const e of ev.externalEvents) {
        if (e.tag !== undefined) this.learnPort(e.tag, e.server);
        if (e.name !== VIF_PLUGGED) continue;
        const d = this.draft(e.server);
        this.set(d, 'port.known', { t: ev.reqFirst, source: 'capture', host: endpointHost(ev.src) });
        this.set(d, 'vif.event.post.first', { t: ev.reqFirst, source: 'capture', host: endpointHost(ev.src) });
      }
      return;
    }
    if (ev.service === 'glance' && ev.route === 'GET /v2/images/{id}/file' && ev.ids.request && ev.respLast !== null) {
      // The compute host downloads the boot's image under the boot's request id.
      const d = this.byRequestId.get(ev.ids.request);
      if (!d) {
        if (!this.downloadByRequest.has(ev.ids.request)) bounded(this.downloadByRequest).set(ev.ids.request, ev);
        return;
      }
      this.set(d, 'image.download.first', { t: ev.reqFirst, source: 'capture', host: endpointHost(ev.src) });
      this.set(d, 'image.download.last', { t: ev.respLast, source: 'capture', host: endpointHost(ev.src) });
      return;
    }
    if (
      ev.service === 'nova-api' &&
      ev.route === 'GET /v2.1/servers/{id}' &&
      ev.serverStatus === 'ACTIVE' &&
      ev.ids.server &&
      ev.respLast !== null
    ) {
      const d = this.requests.get(ev.ids.server);
      if (d) this.set(d, 'active.poll.last', { t: ev.respLast, source: 'capture', host: endpointHost(ev.src) });
      else if (!this.activeByServer.has(ev.ids.server)) this.activeByServer.set(ev.ids.server, ev);
      return;
    }
    if (ev.service === 'glance' && ev.route === 'GET /v2/images/{id}' && ev.ids.request) {
      // Matched by request id only, never by time (DESIGN.md).
      const d = this.byRequestId.get(ev.ids.request);
      if (!d) {
        if (!this.imageByRequest.has(ev.ids.request)) this.imageByRequest.set(ev.ids.request, ev);
        return;
      }
      if (!d.milestones.has('image.first') && ev.respLast !== null) {
        this.set(d, 'image.first', { t: ev.reqFirst, source: 'capture', host: endpointHost(ev.dst) });
        this.set(d, 'image.last', { t: ev.respLast, source: 'capture', host: endpointHost(ev.dst) });
      }
      return;
    }
    if (ev.service === 'keystone' && ev.tokenValidation) this.tokenValidations.push(ev);
  }

  /**
   * A validation with the request's id joins it; one without an id joins the only POST in
   * flight around it, if exactly one is; otherwise it is ambiguous and left out.
   */
  private joinTokenValidations(now = Number.POSITIVE_INFINITY): void {
    const unresolved: NovaHttpEvent[] = [];
    for (const v of this.tokenValidations) {
      if (v.respLast === null) continue;
      let target: NovaRequestDraft | undefined = v.ids.request ? this.byRequestId.get(v.ids.request) : undefined;
      if (!target) {
        // A POST around it may still be completing: decide once none can be.
        if (v.respLast + tokenSettleNs > now) {
          unresolved.push(v);
          continue;
        }
        const inFlight = [...this.requests.values()].filter((d) => aroundValidation(d, v));
        if (inFlight.length === 1) target = inFlight[0];
        else if (inFlight.length > 1) {
          for (const d of inFlight)
            d.notes.push(
              `token validation at ${(v.reqFirst / 1e6).toFixed(3)} ms is ambiguous between ` +
                `${inFlight.length} requests in flight`,
            );
          continue;
        } else continue;
      }
      if (target && !target.milestones.has('auth.first')) {
        this.set(target, 'auth.first', { t: v.reqFirst, source: 'capture', host: endpointHost(v.dst) });
        this.set(target, 'auth.last', { t: v.respLast, source: 'capture', host: endpointHost(v.dst) });
      }
    }
    this.tokenValidations = unresolved;
  }

  /** Streaming: a validation not yet decided falls inside this request's POST. */
  private awaitsTokenValidation(d: NovaRequestDraft): boolean {
    return this.tokenValidations.some((v) => v.respLast !== null && aroundValidation(d, v));
  }
}

/** The POST of `d` encloses validation `v` and ended within the settle bound after it. */
function aroundValidation(d: NovaRequestDraft, v: NovaHttpEvent): boolean {
  return (
    d.postFirst !== undefined &&
    d.postLast !== undefined &&
    d.postFirst <= v.reqFirst &&
    v.respLast! <= d.postLast &&
    d.postLast <= v.respLast! + tokenSettleNs
  );
}

/** A map that drops its oldest entry past MAX_PENDING: hostile captures cannot grow it. */
function bounded<K, V>(m: Map<K, V>): Map<K, V> {
  if (m.size >= MAX_PENDING) m.delete(m.keys().next().value as K);
  return m;
}

/** What waited under `key`, removed: it is joined once. */
function take<K, V>(m: Map<K, V>, key: K): V | undefined {
  const v = m.get(key);
  if (v !== undefined) m.delete(key);
  return v;
}
