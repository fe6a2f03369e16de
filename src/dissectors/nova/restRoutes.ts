/**
 * Route templates of the OpenStack APIs a Nova boot touches, as a table. A request
 * path (service prefix and query removed) is matched against its service's templates;
 * `{server}` and `{image}` segments also give ids, `{id}` is any other id. Paths no
 * template knows get a generic template in which every segment the table does not know
 * is `{id}`.
 */
import type { MessageIds } from '../types.js';
import type { NovaService } from './types.js';

/** service, method, template: one route a line. */
const ROUTE_TABLE = `
nova-api   POST    /v2.1/servers
nova-api   GET     /v2.1/servers
nova-api   GET     /v2.1/servers/detail
nova-api   GET     /v2.1/servers/{server}
nova-api   PUT     /v2.1/servers/{server}
nova-api   DELETE  /v2.1/servers/{server}
nova-api   POST    /v2.1/servers/{server}/action
nova-api   GET     /v2.1/servers/{server}/os-instance-actions
nova-api   GET     /v2.1/servers/{server}/os-interface
nova-api   GET     /v2.1/flavors
nova-api   GET     /v2.1/flavors/detail
nova-api   GET     /v2.1/flavors/{id}
nova-api   GET     /v2.1/images/{image}
nova-api   GET     /v2.1/limits
nova-api   GET     /v2.1/os-hypervisors
nova-api   GET     /v2.1/os-services
nova-api   POST    /v2.1/os-server-external-events
nova-api   GET     /v2.1
nova-api   GET     /
keystone   POST    /v3/auth/tokens
keystone   GET     /v3/auth/tokens
keystone   HEAD    /v3/auth/tokens
keystone   DELETE  /v3/auth/tokens
keystone   GET     /v3/auth/catalog
keystone   GET     /v3/auth/projects
keystone   GET     /v3/users/{id}
keystone   GET     /v3/projects/{id}
keystone   GET     /v3
keystone   POST    /v2.0/tokens
keystone   GET     /v2.0/tokens/{id}
keystone   HEAD    /v2.0/tokens/{id}
keystone   DELETE  /v2.0/tokens/{id}
keystone   GET     /v2.0/tokens/{id}/endpoints
keystone   GET     /v2.0/tenants
keystone   GET     /v2.0
keystone   GET     /
glance     GET     /v2/images
glance     POST    /v2/images
glance     GET     /v2/images/{image}
glance     PATCH   /v2/images/{image}
glance     DELETE  /v2/images/{image}
glance     GET     /v2/images/{image}/file
glance     PUT     /v2/images/{image}/file
glance     GET     /v2/schemas/image
glance     GET     /v2/schemas/images
glance     GET     /versions
glance     GET     /
placement  GET     /allocation_candidates
placement  POST    /allocations
placement  GET     /allocations/{server}
placement  PUT     /allocations/{server}
placement  DELETE  /allocations/{server}
placement  GET     /resource_providers
placement  POST    /resource_providers
placement  GET     /resource_providers/{id}
placement  GET     /resource_providers/{id}/allocations
placement  GET     /resource_providers/{id}/inventories
placement  PUT     /resource_providers/{id}/inventories
placement  GET     /resource_providers/{id}/aggregates
placement  PUT     /resource_providers/{id}/aggregates
placement  GET     /resource_providers/{id}/traits
placement  PUT     /resource_providers/{id}/traits
placement  GET     /resource_providers/{id}/usages
placement  GET     /resource_classes
placement  GET     /traits
placement  GET     /usages
placement  POST    /reshaper
placement  GET     /
neutron    GET     /v2.0/ports
neutron    POST    /v2.0/ports
neutron    GET     /v2.0/ports/{port}
neutron    PUT     /v2.0/ports/{port}
neutron    DELETE  /v2.0/ports/{port}
neutron    GET     /v2.0/networks
neutron    GET     /v2.0/networks/{id}
neutron    GET     /v2.0/subnets
neutron    GET     /v2.0/subnets/{id}
neutron    GET     /v2.0/security-groups
neutron    GET     /v2.0/floatingips
neutron    GET     /v2.0/quotas/{id}
neutron    GET     /v2.0/quotas/{id}/details
neutron    GET     /v2.0/extensions
neutron    GET     /v2.0
neutron    GET     /
`;

/** Query parameters that name an id we track (`GET /v2.0/ports?device_id=<server>`). */
const QUERY_IDS: Readonly<Record<string, IdKind>> = {
  device_id: 'server',
};

/** Placeholders that are ids we report (others show as `{id}` and are not kept). */
const ID_PLACEHOLDERS: Readonly<Record<string, IdKind>> = {
  '{server}': 'server',
  '{image}': 'image',
  '{port}': 'port',
};

/** The ids a path or query can give. */
type IdKind = 'server' | 'image' | 'port';

interface CompiledRoute {
  name: string;
  segments: string[];
  literals: number;
}

const ROUTES = new Map<string, CompiledRoute[]>();
/** Every literal segment of the table: a generic name keeps these and masks the rest. */
const KNOWN_SEGMENTS = new Set<string>();
for (const line of ROUTE_TABLE.split('\n')) {
  const [service, method, template] = line.trim().split(/\s+/);
  if (template === undefined) continue;
  const segments = template === '/' ? [] : template.slice(1).split('/');
  for (const s of segments) if (!s.startsWith('{')) KNOWN_SEGMENTS.add(s);
  const name = `${method} ${template.replace(/\{[a-z]+\}/g, '{id}')}`;
  const key = `${service} ${method}`;
  const list = ROUTES.get(key) ?? [];
  list.push({ name, segments, literals: segments.filter((s) => !s.startsWith('{')).length });
  ROUTES.set(key, list);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_ID = /^[0-9a-f]{32}$/i;
const VERSION = /^v\d+(?:\.\d+)?$/;

export interface RouteMatch {
  /** `METHOD /template`, e.g. `GET /v2.1/servers/{id}`. */
  route: string;
  /** Ids found in the path (and the query, see QUERY_IDS). */
  ids: Pick<MessageIds, IdKind>;
  /** True when no template matched and the generic one was made. */
  generic: boolean;
}

/** Split `target` (path + query, as sent) into its path and query. */
export function splitTarget(target: string): { path: string; query: string } {
  // absolute-form targets (through a proxy) carry scheme and authority
  let t = target;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(t);
  if (scheme !== null) t = t.slice(scheme[0].length) || '/';
  const q = t.search(/[?#]/);
  return q < 0 ? { path: t, query: '' } : { path: t.slice(0, q), query: t.slice(q + 1) };
}

/**
 * Normalise a path for matching: collapse repeated and trailing slashes; for nova-api,
 * drop a project id segment (`/v2.1/<project>/servers`) and read the legacy `/v2` API
 * as `/v2.1` (the same code serves both).
 */
function segmentsOf(service: NovaService, path: string): string[] {
  const segs = path.split('/').filter((s) => s !== '');
  if (service === 'nova-api' && (segs[0] === 'v2' || segs[0] === 'v2.1')) {
    segs[0] = 'v2.1';
    if (segs.length > 1 && HEX_ID.test(segs[1])) segs.splice(1, 1);
  }
  return segs;
}

export function matchRoute(service: NovaService, method: string, target: string): RouteMatch {
  const { path, query } = splitTarget(target);
  const segs = segmentsOf(service, path);
  const ids: RouteMatch['ids'] = {};
  let best: CompiledRoute | null = null;
  for (const r of ROUTES.get(`${service} ${method}`) ?? []) {
    if (r.segments.length !== segs.length || (best !== null && best.literals >= r.literals)) continue;
    if (r.segments.every((s, k) => s.startsWith('{') || s === segs[k])) best = r;
  }
  if (best !== null) {
    best.segments.forEach((s, k) => {
      const kind = ID_PLACEHOLDERS[s];
      if (kind !== undefined && UUID.test(segs[k])) ids[kind] = segs[k].toLowerCase();
    });
  }
  if (query !== '') {
    for (const part of query.split('&')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const name = part.slice(0, eq);
      const kind = Object.hasOwn(QUERY_IDS, name) ? QUERY_IDS[name] : undefined;
      const value = safeDecode(part.slice(eq + 1));
      if (kind !== undefined && ids[kind] === undefined && UUID.test(value)) ids[kind] = value.toLowerCase();
    }
  }
  if (best !== null) return { route: best.name, ids, generic: false };
  // Only words the table knows stay: any other segment may be a token (keystone's
  // `/v2.0/tokens/<token>` once printed a short one).
  const generic = segs.map((s) => (KNOWN_SEGMENTS.has(s) || VERSION.test(s) ? s : '{id}'));
  return { route: `${method} /${generic.join('/')}`, ids, generic: true };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
