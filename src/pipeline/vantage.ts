/**
 * Where was this capture taken? A capture made on one host (`tcpdump -i any` there) holds
 * only connections that host is an end of; a mirror port or bridge holds connections
 * between many pairs of hosts. Infer which, and name the hosts whose own traffic is
 * complete and those only seen through a peer.
 */
import type { ConnectionStats } from '../net/types.js';
import type { Vantage } from '../result/types.js';

export type { Vantage };

export function inferVantage(connections: readonly ConnectionStats[]): Vantage {
  const withData = connections.filter((c) => c.bytes[0] + c.bytes[1] > 0);
  const conns = withData.length ? withData : connections;
  if (conns.length === 0)
    return { kind: 'empty', observers: [], seenThroughPeer: [], text: 'no TCP connection in the capture' };
  const all = new Set<string>();
  let common: string[] = [conns[0].info.client.ip, conns[0].info.server.ip];
  for (const c of conns) {
    all.add(c.info.client.ip);
    all.add(c.info.server.ip);
    common = common.filter((x) => x === c.info.client.ip || x === c.info.server.ip);
  }
  const observers = [...new Set(common)].sort();
  // With a single connection both ends qualify; one host is still the honest answer only
  // when there are several connections.
  if (observers.length === 0 || conns.length === 1) {
    return {
      kind: 'shared-segment',
      observers: [],
      seenThroughPeer: [],
      text: `a shared segment (bridge or mirror): connections between ${all.size} hosts`,
    };
  }
  const peers = [...all].filter((h) => !observers.includes(h)).sort();
  return {
    kind: 'single-host',
    observers,
    seenThroughPeer: peers,
    text:
      `one host's view: ${observers.join(', ')} (every connection has it as an end); ${peers.join(', ')} ` +
      `seen only through their connections with it`,
  };
}
