/**
 * A veth pair between two network namespaces made for one test (root only). Nothing is
 * routed anywhere: frames injected on one end are only seen by the other.
 */
import { execFileSync } from 'node:child_process';

export interface VethPair {
  nsA: string;
  nsB: string;
  ifA: string;
  ifB: string;
  remove(): void;
}

/** null with a reason when this machine forbids it (not root, no `ip`, no netns support). */
export function makeVethPair(tag: string, prefix = 'vima-'): VethPair | { reason: string } {
  const id = `${tag}${process.pid % 10000}`;
  const nsA = `${prefix}${id}a`,
    nsB = `${prefix}${id}b`;
  // Interface names are made in the root namespace first (15 characters at most).
  const ifA = (prefix === 'vima-' ? `va${id}` : `${prefix}${id}a`).slice(0, 15),
    ifB = (prefix === 'vima-' ? `vb${id}` : `${prefix}${id}b`).slice(0, 15);
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  try {
    ip('netns', 'add', nsA);
    ip('netns', 'add', nsB);
    ip('link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB);
    ip('link', 'set', ifA, 'netns', nsA);
    ip('link', 'set', ifB, 'netns', nsB);
    ip('-n', nsA, 'link', 'set', ifA, 'up');
    ip('-n', nsB, 'link', 'set', ifB, 'up');
  } catch (e) {
    for (const ns of [nsA, nsB])
      try {
        ip('netns', 'del', ns);
      } catch {
        /* not made */
      }
    return { reason: `cannot create network namespaces and a veth pair here: ${(e as Error).message.split('\n')[0]}` };
  }
  return {
    nsA,
    nsB,
    ifA,
    ifB,
    remove() {
      for (const ns of [nsA, nsB])
        try {
          ip('netns', 'del', ns);
        } catch {
          /* gone */
        }
    },
  };
}
