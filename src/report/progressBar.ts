/**
 * A one-line progress display for long reads: bytes read, rate and ETA, redrawn in place
 * with `\r` at most every `minIntervalMs` (10 times a second by default). It writes
 * nothing when the stream is not a terminal or when quiet, so pipes and logs stay clean.
 */

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  quiet?: boolean;
  /** Text before the figures (e.g. the file name). */
  label?: string;
  /** Milliseconds between redraws at most (default 100). */
  minIntervalMs?: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

export interface Progress {
  update(bytesRead: number): void;
  done(): void;
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} ${units[0]}` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const noop: Progress = { update() {}, done() {} };

/** `totalBytes` 0 or unknown (stdin): bytes and rate only, no percentage or ETA. */
export function createProgress(
  totalBytes: number,
  stream: ProgressStream = process.stderr,
  opts: ProgressOptions = {},
): Progress {
  if (opts.quiet || stream.isTTY !== true) return noop;
  const now = opts.now ?? (() => performance.now());
  const minInterval = opts.minIntervalMs ?? 100;
  const started = now();
  let lastDraw = -Infinity;
  let bytes = 0;
  let finished = false;

  const line = (t: number): string => {
    const elapsed = (t - started) / 1000;
    const rate = elapsed > 0 ? bytes / elapsed : 0;
    const parts = [
      opts.label,
      totalBytes > 0
        ? `${formatBytes(bytes)} / ${formatBytes(totalBytes)} ` +
          `(${Math.min(100, (100 * bytes) / totalBytes).toFixed(0)}%)`
        : formatBytes(bytes),
    ];
    parts.push(`${formatBytes(Math.round(rate))}/s`);
    if (totalBytes > 0)
      parts.push(`ETA ${rate > 0 ? formatDuration(Math.max(0, totalBytes - bytes) / rate) : '--:--'}`);
    const text = parts.filter(Boolean).join('  ');
    // Some terminals (and pseudo-terminals without a size) report 0 columns: do not cut then.
    const cols = stream.columns && stream.columns > 0 ? stream.columns : 80;
    return text.length >= cols ? text.slice(0, cols - 1) : text;
  };
  // `\x1b[K` clears what a longer previous line left behind.
  const draw = (t: number): void => {
    stream.write(`\r${line(t)}\x1b[K`);
    lastDraw = t;
  };

  return {
    update(bytesRead: number): void {
      if (finished) return;
      bytes = bytesRead;
      const t = now();
      if (t - lastDraw >= minInterval) draw(t);
    },
    done(): void {
      if (finished) return;
      finished = true;
      draw(now());
      stream.write('\n');
    },
  };
}
