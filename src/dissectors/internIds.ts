/**
 * One string per id value across the kept messages. A request id, a server uuid or an
 * alloc id is carried by dozens of messages, each parsed from its own bytes into its own
 * string; the main job keeps every message to the end, so on a 1 GB capture the copies
 * add up to tens of megabytes. The table is bounded: past its size it starts over (ids
 * seen since are shared again; correctness never depends on it).
 */
import type { MessageIds } from './types.js';

const maxInterned = 100_000;
let table = new Map<string, string>();

export function intern(s: string): string {
  const known = table.get(s);
  if (known !== undefined) return known;
  if (table.size >= maxInterned) table = new Map();
  table.set(s, s);
  return s;
}

/** Replace every id string of `ids` (in place) by its interned copy; returns `ids`. */
export function internIds(ids: MessageIds): MessageIds {
  for (const k of scalarKeys) {
    const v = ids[k];
    if (v !== undefined) ids[k] = intern(v);
  }
  if (ids.servers !== undefined) internAll(ids.servers);
  // Alloc id lists (the bulk of Nomad's ids) are shared where they are made (msgpack
  // selector cache, map keys, HTTP listings): a lookup per entry here would cost more than it saves.
  return ids;
}

/** In place: the arrays are the events' own. */
function internAll(xs: string[]): void {
  for (let i = 0; i < xs.length; i++) xs[i] = intern(xs[i]);
}

const scalarKeys = ['server', 'request', 'image', 'job', 'eval', 'alloc', 'node', 'port', 'device'] as const;

/**
 * `{ ...a, ...b }` for ids, by plain stores: V8 gave each spread copy a hidden class of
 * its own (and kept it), one per kept message.
 */
export function mergeIds(a: MessageIds, b: MessageIds): MessageIds {
  const ids: MessageIds = {};
  const into = ids as Record<string, unknown>;
  for (const k of Object.keys(a)) into[k] = (a as Record<string, unknown>)[k];
  for (const k of Object.keys(b)) into[k] = (b as Record<string, unknown>)[k];
  return ids;
}
