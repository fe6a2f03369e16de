/**
 * The peak RSS of this process over one piece of work. On Linux it is the kernel's own high-water
 * mark (VmHWM), reset when the piece starts by writing 5 to /proc/self/clear_refs: exact, and two
 * file accesses per piece, where sampling `process.memoryUsage.rss()` (an open and read of
 * /proc/self/stat each) after every chunk cost more than the chunks. Where the reset is refused,
 * it falls back to sampling at each `sample()`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

function highWaterMark(): number | null {
  try {
    const kb = /^VmHWM:\s*(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

function resetHighWaterMark(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return highWaterMark() !== null;
  } catch {
    return false;
  }
}

export class PeakRss {
  private readonly kernel = resetHighWaterMark();
  private sampled = process.memoryUsage.rss();

  /** As the work goes on: a sample, where the kernel keeps no mark. */
  sample(): void {
    if (!this.kernel) this.sampled = Math.max(this.sampled, process.memoryUsage.rss());
  }

  /** The peak since this object was made. */
  bytes(): number {
    const mark = this.kernel ? highWaterMark() : null;
    return mark ?? Math.max(this.sampled, process.memoryUsage.rss());
  }
}
