/** Whether the optional `cap` binding (libpcap), which `vim-analyse live` needs, loads here. */
import { createRequire } from 'node:module';

/** null when `cap` loads; else why not, in one line. */
export function capUnavailable(): string | null {
  try {
    createRequire(import.meta.url)('cap');
    return null;
  } catch (e) {
    return `the cap binding is not built (${(e as Error).message.split('\n')[0]})`;
  }
}
