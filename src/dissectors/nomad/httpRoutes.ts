/**
 * Nomad HTTP API route templates, as a table. A request path (query removed) is matched
 * segment by segment; `{job}`, `{alloc}`, `{eval}`, `{node}` segments give ids and show
 * as `{id}` in the route name. Paths no template knows get a generic name in which every
 * segment the table does not know is `{id}`.
 */
import type { MessageIds } from '../types.js';

/** method, template: one route a line. */
const routeTable = `
PUT     /v1/jobs
POST    /v1/jobs
GET     /v1/jobs
POST    /v1/jobs/parse
PUT     /v1/job/{job}
POST    /v1/job/{job}
GET     /v1/job/{job}
DELETE  /v1/job/{job}
GET     /v1/job/{job}/allocations
GET     /v1/job/{job}/evaluations
GET     /v1/job/{job}/summary
GET     /v1/job/{job}/versions
GET     /v1/job/{job}/deployments
PUT     /v1/job/{job}/evaluate
POST    /v1/job/{job}/evaluate
PUT     /v1/job/{job}/plan
POST    /v1/job/{job}/plan
GET     /v1/allocations
GET     /v1/allocation/{alloc}
POST    /v1/allocation/{alloc}/stop
GET     /v1/evaluations
GET     /v1/evaluation/{eval}
GET     /v1/evaluation/{eval}/allocations
GET     /v1/nodes
GET     /v1/node/{node}
GET     /v1/node/{node}/allocations
GET     /v1/deployments
GET     /v1/status/leader
GET     /v1/status/peers
GET     /v1/agent/self
GET     /v1/agent/members
GET     /v1/regions
GET     /v1/metrics
`;

type IdKind = 'job' | 'alloc' | 'eval' | 'node';
const placeholderIds: Readonly<Record<string, IdKind>> = {
  '{job}': 'job',
  '{alloc}': 'alloc',
  '{eval}': 'eval',
  '{node}': 'node',
};

interface CompiledRoute {
  name: string;
  segments: string[];
}

const routes = new Map<string, CompiledRoute[]>();
/**
 * Every literal segment of the table, and words of API paths not in it: a generic name
 * keeps these and masks the rest (a segment may be a token).
 */
const knownSegments = new Set<string>(
  (
    'volumes volume csi host plugins plugin namespaces namespace client fs logs stats acl tokens token ' +
    'policies policy operator raft scheduler search services service vars var event stream system gc reconcile ' +
    'summary quotas sentinel recommendations scaling'
  ).split(' '),
);
for (const line of routeTable.split('\n')) {
  const [method, template] = line.trim().split(/\s+/);
  if (template === undefined) continue;
  for (const s of template.slice(1).split('/')) if (!s.startsWith('{')) knownSegments.add(s);
  const list = routes.get(method) ?? [];
  list.push({ name: `${method} ${template.replace(/\{[a-z]+\}/g, '{id}')}`, segments: template.slice(1).split('/') });
  routes.set(method, list);
}

export interface NomadRouteMatch {
  route: string;
  ids: Pick<MessageIds, IdKind>;
  generic: boolean;
}

/** Split a request target into path and query (absolute-form targets lose scheme and host). */
export function splitTarget(target: string): { path: string; query: URLSearchParams } {
  let t = target;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(t);
  if (scheme) t = t.slice(scheme[0].length) || '/';
  const q = t.search(/[?#]/);
  return q < 0
    ? { path: t, query: new URLSearchParams() }
    : { path: t.slice(0, q), query: new URLSearchParams(t.slice(q + 1).split('#')[0]) };
}

export function matchNomadRoute(method: string, path: string): NomadRouteMatch {
  const segments = path.replace(/\/+$/, '').slice(1).split('/');
  for (const r of routes.get(method) ?? []) {
    if (r.segments.length !== segments.length) continue;
    const ids: NomadRouteMatch['ids'] = {};
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const kind = placeholderIds[r.segments[i]];
      if (kind) {
        if (segments[i] === '') ok = false;
        else ids[kind] = decodeSegment(segments[i]);
      } else ok = r.segments[i] === segments[i];
    }
    if (ok) return { route: r.name, ids, generic: false };
  }
  // Words the table knows and the API version stay; anything else may be an id or a token.
  const generic = segments.map((s) => (knownSegments.has(s) || /^v\d+$/.test(s) ? s : '{id}')).join('/');
  return { route: `${method} /${generic}`, ids: {}, generic: true };
}

function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
