/**
 * HTTP exchange → NovaHttpEvent (service, route template, ids, server status) and the
 * `messages --json` line for it. Secrets never get here in the first place: the event is
 * built from the route, the request-id headers and the named body fields of restIds.ts;
 * no other header value (X-Auth-Token, X-Subject-Token, X-Service-Token) or body byte is
 * copied.
 */
import type { ConnectionInfo } from '../../net/types.js';
import { endpointText } from '../endpointText.js';
import { internIds, mergeIds } from '../internIds.js';
import type { HttpHeadInfo } from '../../protocols/http/parser.js';
import type { HttpExchange } from '../../protocols/types.js';
import type { MessageIds, VimMessage } from '../types.js';
import { bodyFacts, requestIds, routeNeedsBody } from './restIds.js';
import { matchRoute, splitTarget, type RouteMatch } from './restRoutes.js';
import { classifyService, defaultServicePorts } from './restServices.js';
import type { NovaHttpEvent, NovaService, ServicePortTable } from './types.js';

/** Keystone routes that validate a token rather than issue one. */
const TOKEN_VALIDATION_ROUTES = new Set(['GET /v3/auth/tokens', 'HEAD /v3/auth/tokens']);

export { endpointText };

type ServiceRoute = Readonly<RouteMatch & { service: NovaService }>;

/**
 * Routes already matched (default port table): each exchange is routed three times (the
 * body filter at both heads, then the event), and clients poll the same targets.
 */
const routeCache = new Map<string, ServiceRoute | null>();
const maxCachedRoutes = 4096;

function route(method: string, target: string, port: number, ports: ServicePortTable): ServiceRoute | null {
  if (ports !== defaultServicePorts) return matchServiceRoute(method, target, port, ports);
  // Not OpenStack (Nomad's API, …): no route, and no cache entry per unique target.
  if (target.charCodeAt(0) === 0x2f && classifyService(pathOf(target), port, ports) === null) return null;
  const key = `${port} ${method} ${target}`;
  let r = routeCache.get(key);
  if (r === undefined) {
    if (routeCache.size >= maxCachedRoutes) routeCache.clear();
    routeCache.set(key, (r = matchServiceRoute(method, target, port, ports)));
  }
  return r;
}

/** The path of an origin-form target (`/a/b?q` → `/a/b`). */
function pathOf(target: string): string {
  const q = target.search(/[?#]/);
  return q < 0 ? target : target.slice(0, q);
}

function matchServiceRoute(method: string, target: string, port: number, ports: ServicePortTable): ServiceRoute | null {
  const { path, query } = splitTarget(target);
  const svc = classifyService(path, port, ports);
  if (svc === null) return null;
  const m = matchRoute(svc.service, method, query === '' ? svc.path : `${svc.path}?${query}`);
  return { ...m, service: svc.service };
}

/** The Nova view of one HTTP exchange; null when it is not with an OpenStack service. */
export function novaHttpEvent(ex: HttpExchange, ports: ServicePortTable = defaultServicePorts): NovaHttpEvent | null {
  const req = ex.request;
  const r = route(req.method, req.target, ex.conn.server.port, ports);
  if (r === null) return null;
  const facts = bodyFacts(r.route, ex);
  const rid = requestIds(ex);
  const ids: MessageIds = mergeIds(r.ids, facts.ids);
  const request = rid.caller ?? rid.service;
  if (request !== undefined) ids.request = request;
  const res = ex.response;
  const ev: NovaHttpEvent = {
    service: r.service,
    route: r.route,
    method: req.method,
    status: res?.status ?? null,
    reqFirst: req.firstByte,
    reqLast: req.lastByte,
    respFirst: res?.firstByte ?? null,
    respLast: res?.lastByte ?? null,
    src: endpointText(ex.conn.client),
    dst: endpointText(ex.conn.server),
    conn: ex.conn.id,
    ids,
  };
  if (rid.service !== undefined && rid.service !== request) ev.serviceRequestId = rid.service;
  if (facts.serverStatus !== undefined) ev.serverStatus = facts.serverStatus;
  if (facts.bindingHost !== undefined) ev.bindingHost = facts.bindingHost;
  if (facts.externalEvents !== undefined) ev.externalEvents = facts.externalEvents;
  if (r.service === 'keystone' && TOKEN_VALIDATION_ROUTES.has(r.route)) ev.tokenValidation = true;
  if (ex.incomplete !== undefined) ev.incomplete = ex.incomplete;
  return ev;
}

/** One line of `messages --json` (times still relative ns; ms = request first → response last byte). */
export function novaHttpMessage(ev: NovaHttpEvent): VimMessage {
  const ms = ev.respLast === null ? null : (ev.respLast - ev.reqFirst) / 1e6;
  const ids = internIds(ev.ids);
  // Whole literals (status last when there is one): a property added later would put each
  // kept message's properties in an extra array.
  if (ev.status === null)
    return {
      t: ev.reqFirst,
      vim: 'nova',
      type: 'http',
      name: ev.route,
      service: ev.service,
      src: ev.src,
      dst: ev.dst,
      ms,
      ids,
    };
  return {
    t: ev.reqFirst,
    vim: 'nova',
    type: 'http',
    name: ev.route,
    service: ev.service,
    src: ev.src,
    dst: ev.dst,
    ms,
    ids,
    status: ev.status,
  };
}

/**
 * `keepBody` for the HTTP parser on one connection: copy only the bodies novaHttpEvent
 * reads (the 202 of a boot, a server view), not image downloads or port lists.
 */
export function novaBodyFilter(
  conn: ConnectionInfo,
  ports: ServicePortTable = defaultServicePorts,
): (head: HttpHeadInfo) => boolean {
  return (head) => {
    if (head.method === undefined || head.target === undefined) return false;
    const r = route(head.method, head.target, conn.server.port, ports);
    return r !== null && routeNeedsBody(r.route, head.dir);
  };
}
