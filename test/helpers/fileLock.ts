/**
 * A lock between test workers (separate processes): a file made with O_EXCL, naming its holder's
 * pid, so that a holder that died leaves no lock behind. Used for the live files' one-at-a-time
 * rule (systemLock.ts) and for one maker per shared analysis (analysedCaptures.ts).
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes the lock at `file`, waiting for its holder, polling every `pollMs`; resolves to its release,
 * or to undefined if it was not free within `waitMs`.
 */
export async function takeFileLock(file: string, waitMs: number, pollMs = 200): Promise<(() => void) | undefined> {
  for (const t0 = Date.now(); Date.now() - t0 < waitMs; await sleep(pollMs)) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch {
      // Held (its pid written just after the file was made, so an empty file is a holder starting).
      let holder = 0;
      try {
        holder = Number(readFileSync(file, 'utf8'));
      } catch {
        // Released meanwhile: try again.
      }
      if (holder > 0 && !alive(holder)) rmSync(file, { force: true });
    }
  }
  return undefined;
}
