/** One line for people: what the capture saw and lost, for the rolling and final summaries. */
import type { LiveStats } from './types.js';

export function captureCountsText(live: LiveStats): string {
  const kernel =
    live.pcapDrops === null
      ? 'dropped by libpcap/kernel unknown (packet-stats addon unavailable)'
      : `dropped by libpcap/kernel ${live.pcapDrops}`;
  const iface = live.ifaceDrops ? `, dropped by the interface ${live.ifaceDrops}` : '';
  return `captured ${live.packets}, ${kernel}${iface}`;
}
