/**
 * Which OpenStack service answered an HTTP request: by the path prefix a shared front
 * end uses (devstack-style `/compute`, `/identity`, …), else by the server port, else by
 * the shape of the path.
 */
import type { NovaService, ServicePortTable } from './types.js';

/** The services' registered ports (keystone's legacy admin port included). */
export const defaultServicePorts: ServicePortTable = {
  8774: 'nova-api',
  5000: 'keystone',
  35357: 'keystone',
  9292: 'glance',
  8778: 'placement',
  9696: 'neutron',
};

/** Path prefixes of deployments behind one front end (Apache/uWSGI, devstack layout). */
const PREFIXES: readonly [prefix: string, service: NovaService][] = [
  ['/compute', 'nova-api'],
  ['/identity', 'keystone'],
  ['/image', 'glance'],
  ['/placement', 'placement'],
  ['/networking', 'neutron'],
];

/** First path segment → service, for a port we do not know and no prefix. */
const FIRST_SEGMENT: Readonly<Record<string, NovaService>> = {
  'v2.1': 'nova-api',
  v3: 'keystone',
  'v2.0': 'neutron',
  allocation_candidates: 'placement',
  allocations: 'placement',
  resource_providers: 'placement',
  resource_classes: 'placement',
  traits: 'placement',
  usages: 'placement',
};

/** Second segment under `/v2` (shared by glance and legacy nova) that means glance. */
const GLANCE_V2 = new Set(['images', 'schemas', 'tasks', 'info', 'stores', 'metadefs']);

export interface ServiceMatch {
  service: NovaService;
  /** The path with the front end's prefix removed. */
  path: string;
}

/**
 * Classify by `path` (no query) and server `port`. Returns null when nothing says
 * OpenStack (another HTTP service on the network).
 */
export function classifyService(
  path: string,
  port: number,
  ports: ServicePortTable = defaultServicePorts,
): ServiceMatch | null {
  for (let i = 0; i < PREFIXES.length; i++) {
    const [prefix, service] = PREFIXES[i];
    if (path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 0x2f)) {
      return { service, path: path.slice(prefix.length) || '/' };
    }
  }
  const byPort = Object.hasOwn(ports, port) ? ports[port] : undefined;
  if (byPort !== undefined) return { service: byPort, path };
  // First segment without splitting the whole path (this runs for every HTTP exchange).
  const end1 = path.indexOf('/', 1);
  const first = path.charCodeAt(0) === 0x2f ? path.slice(1, end1 < 0 ? path.length : end1) : '';
  if (first === 'v2' && end1 >= 0) {
    const end2 = path.indexOf('/', end1 + 1);
    if (GLANCE_V2.has(path.slice(end1 + 1, end2 < 0 ? path.length : end2))) return { service: 'glance', path };
  }
  const byShape = Object.hasOwn(FIRST_SEGMENT, first) ? FIRST_SEGMENT[first] : undefined;
  return byShape === undefined ? null : { service: byShape, path };
}
