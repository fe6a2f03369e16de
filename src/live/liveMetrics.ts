/**
 * The Prometheus metrics of a live session, held in a prom-client registry: a histogram
 * per VIM, phase and compute host of each handed-out request, counters fed from the
 * session's cumulative counts (by their increase since the last update), and the
 * requests still open. Names and help texts are data (metricNames); docs/ lists them.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Vim } from '../dissectors/types.js';
import type { ResultRequest } from '../result/types.js';
import type { LiveCountsSnapshot } from './types.js';

/** Phase durations from 1 ms to 60 s, about three buckets per decade. */
export const phaseBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

/** The phase whose host is the compute host (where the VM runs). */
const computePhase: Record<Vim, string> = { nova: 'compute', nomad: 'driver' };

/**
 * Distinct compute_host label values at most (hostile or odd traffic must not grow the series without bound); the
 * rest are "other".
 */
export const maxComputeHosts = 256;

/** Messages decoded per protocol: [protocol label, counter group, counter]. */
const messageCounters: readonly [string, string, string][] = [
  ['http', 'http', 'exchanges'],
  ['amqp', 'amqp', 'messages'],
  ['msgpack-rpc', 'msgpack-rpc', 'exchanges'],
];

export const metricNames = {
  phase: 'vim_analyse_phase_duration_seconds',
  requests: 'vim_analyse_requests_total',
  messages: 'vim_analyse_messages_decoded_total',
  packets: 'vim_analyse_packets_captured_total',
  ringDrops: 'vim_analyse_kernel_ring_drops_total',
  ifaceDrops: 'vim_analyse_interface_drops_total',
  limitHits: 'vim_analyse_limit_hits_total',
  open: 'vim_analyse_open_requests',
  otlpDropped: 'vim_analyse_otlp_spans_dropped_total',
} as const;

/**
 * prom-client, loaded with the first metrics: with @opentelemetry/api, its dependency, it is about
 * 90 modules that every importer of the library loaded, most of whom never serve metrics.
 */
let promClient: typeof PromClient | undefined;
const loadPromClient = (): typeof PromClient =>
  (promClient ??= createRequire(import.meta.url)('prom-client') as typeof PromClient);

export class LiveMetrics {
  readonly registry: Registry;
  private readonly phase: Histogram<'vim' | 'phase' | 'compute_host'>;
  private readonly requests: Counter<'vim' | 'state' | 'compute_host'>;
  private readonly messages: Counter<'protocol'>;
  private readonly packets: Counter;
  private readonly ringDrops: Counter;
  private readonly ifaceDrops: Counter;
  private readonly limitHits: Counter<'limit'>;
  private readonly open: Gauge<'vim'>;
  private readonly otlpDropped: Counter;
  private readonly hosts = new Set<string>();
  /** Last cumulative value per counter key, so each update adds the increase. */
  private readonly last = new Map<string, number>();

  constructor(labels: { interface: string }) {
    const { Counter, Gauge, Histogram, Registry } = loadPromClient();
    this.registry = new Registry();
    const registers = [this.registry];
    this.registry.setDefaultLabels({ interface: labels.interface });
    this.phase = new Histogram({
      name: metricNames.phase,
      help: 'Phase durations of the VM starts handed out (approx phases included)',
      labelNames: ['vim', 'phase', 'compute_host'],
      buckets: phaseBucketsSeconds,
      registers,
    });
    this.requests = new Counter({
      name: metricNames.requests,
      help: 'VM starts handed out, by state (complete or incomplete)',
      labelNames: ['vim', 'state', 'compute_host'],
      registers,
    });
    this.messages = new Counter({
      name: metricNames.messages,
      help: 'Protocol messages decoded (HTTP exchanges, AMQP messages, msgpack RPC exchanges)',
      labelNames: ['protocol'],
      registers,
    });
    this.packets = new Counter({ name: metricNames.packets, help: 'Packets captured', registers });
    this.ringDrops = new Counter({
      name: metricNames.ringDrops,
      help: 'Packets the kernel dropped because the capture ring was full (libpcap ps_drop)',
      registers,
    });
    this.ifaceDrops = new Counter({
      name: metricNames.ifaceDrops,
      help: 'Packets the interface dropped on receive during the session',
      registers,
    });
    this.limitHits = new Counter({
      name: metricNames.limitHits,
      help: 'Times a memory or size bound was hit (what it dropped may leave requests incomplete)',
      labelNames: ['limit'],
      registers,
    });
    this.open = new Gauge({
      name: metricNames.open,
      help: 'Requests seen but not complete yet',
      labelNames: ['vim'],
      registers,
    });
    this.otlpDropped = new Counter({
      name: metricNames.otlpDropped,
      help: 'Spans the OTLP push dropped (queue full while the endpoint was down, or retries exhausted)',
      registers,
    });
  }

  /** One handed-out request: its phases into the histogram, one count by state. */
  observeRequest(r: ResultRequest): void {
    let computeHost = r.phases[computePhase[r.vim]]?.host ?? 'unknown';
    if (!this.hosts.has(computeHost)) {
      if (this.hosts.size < maxComputeHosts) this.hosts.add(computeHost);
      else computeHost = 'other';
    }
    this.requests.inc({ vim: r.vim, state: r.complete ? 'complete' : 'incomplete', compute_host: computeHost });
    for (const [phase, p] of Object.entries(r.phases))
      this.phase.observe({ vim: r.vim, phase, compute_host: computeHost }, p.ms / 1000);
  }

  /** The session's cumulative counts now. */
  update(s: LiveCountsSnapshot): void {
    this.add('packets', this.packets, undefined, s.live.packets);
    if (s.live.pcapDrops !== null) this.add('ringDrops', this.ringDrops, undefined, s.live.pcapDrops);
    if (s.live.ifaceDrops !== null) this.add('ifaceDrops', this.ifaceDrops, undefined, s.live.ifaceDrops);
    for (const [protocol, group, name] of messageCounters)
      this.add(`messages.${protocol}`, this.messages, { protocol }, s.protocols[group]?.[name] ?? 0);
    const limits: [string, number][] = [['open-requests', s.givenUp]];
    for (const [name, n] of Object.entries(s.net))
      if (name.endsWith('LimitHits') && typeof n === 'number') limits.push([`net.${name}`, n]);
    for (const [group, counts] of Object.entries(s.protocols))
      for (const [name, n] of Object.entries(counts))
        if (name.endsWith('LimitHits')) limits.push([`${group}.${name}`, n]);
    for (const [limit, n] of limits) this.add(`limit.${limit}`, this.limitHits, { limit }, n);
    for (const [vim, n] of Object.entries(s.open)) this.open.set({ vim }, n);
    if (s.otlpDropped !== undefined && s.otlpDropped !== null)
      this.add('otlpDropped', this.otlpDropped, undefined, s.otlpDropped);
  }

  private add<T extends string>(
    key: string,
    counter: Counter<T>,
    labels: Partial<Record<T, string>> | undefined,
    total: number,
  ): void {
    const by = total - (this.last.get(key) ?? 0);
    this.last.set(key, total);
    const inc = (n: number) => (labels ? counter.inc(labels, n) : counter.inc(n));
    if (by > 0) inc(by);
    // Zero-valued series still appear, so rate() and alerts have a series from the start.
    else if (!this.last.has(`${key}:seen`)) {
      this.last.set(`${key}:seen`, 1);
      inc(0);
    }
  }
}
