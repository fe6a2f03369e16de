/**
 * A bound on requests still open (not complete) in a correlator: damaged or hostile input
 * can name millions of ids. Past the bound the oldest open request is given up — counted,
 * and named in a warning — so memory stays bounded.
 */
export const defaultMaxOpenRequests = 50_000;

export interface OpenRequestLimit {
  max: number;
  /** Called with each request given up. */
  onEvict(id: string): void;
}

/** Drop the oldest open entries (Map order is creation order) while more than `max` are open. */
export function enforceOpenLimit<T>(
  drafts: Map<string, T>,
  isOpen: (d: T) => boolean,
  limit: OpenRequestLimit | undefined,
): void {
  if (!limit || drafts.size <= limit.max) return;
  let open = 0;
  for (const d of drafts.values()) if (isOpen(d)) open++;
  for (const [id, d] of drafts) {
    if (open <= limit.max) return;
    if (!isOpen(d)) continue;
    drafts.delete(id);
    open--;
    limit.onEvict(id);
  }
}

/**
 * Ids of requests handed out and released (live), remembered so late messages about them are
 * ignored; a week-long run must not remember every one: past this many the oldest go.
 */
export const maxRememberedIds = 100_000;

/** Adds `id` to an insertion-ordered set of at most `max`, forgetting the oldest first. */
export function rememberBounded(set: Set<string>, id: string, max = maxRememberedIds): void {
  set.add(id);
  if (set.size > max) set.delete(set.values().next().value!);
}
