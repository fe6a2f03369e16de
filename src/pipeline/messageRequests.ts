/**
 * Which request a message belongs to, for `messages --json`'s `request`: the one request
 * its ids name — by server, alloc, request id or Neutron port first, by eval or job only
 * when nothing closer names one. A message naming several requests (a poll listing every
 * alloc of a node, a multi-instance boot) belongs to none of them.
 */
import type { MessageIds } from '../dissectors/types.js';
import type { RequestTimeline } from '../timeline/types.js';

type Index = Map<string, Set<string>>;

function add(index: Index, key: string | undefined, id: string): void {
  if (key === undefined) return;
  let s = index.get(key);
  if (!s) index.set(key, (s = new Set()));
  s.add(id);
}

/** A function from a message's ids to its request's id, or undefined. */
export function messageRequests(requests: readonly RequestTimeline[]): (ids: MessageIds) => string | undefined {
  // Ids that name one request, and those that may name several (a job's evals and allocs).
  const close: Index = new Map(),
    wide: Index = new Map();
  for (const r of requests) {
    const k = r.keys;
    add(close, r.vim === 'nova' ? (k.server ?? r.id) : k.server, r.id);
    add(close, r.vim === 'nomad' ? (k.alloc ?? r.id) : k.alloc, r.id);
    add(close, k.request, r.id);
    add(close, k.port, r.id);
    if (k.port) add(close, `tap${k.port.slice(0, 11)}`, r.id);
    add(wide, k.eval, r.id);
    add(wide, k.job, r.id);
  }
  const one = (index: Index, keys: (string | undefined)[]): string | undefined | null => {
    const found = new Set<string>();
    for (const key of keys) if (key !== undefined) for (const id of index.get(key) ?? []) found.add(id);
    return found.size === 1 ? [...found][0] : found.size === 0 ? undefined : null;
  };
  return (ids) => {
    const near = one(close, [
      ids.server,
      ids.alloc,
      ids.request,
      ids.port,
      ids.device,
      ...(ids.servers ?? []),
      ...(ids.allocs ?? []),
    ]);
    if (near !== undefined) return near ?? undefined;
    return one(wide, [ids.eval, ids.job]) ?? undefined;
  };
}
