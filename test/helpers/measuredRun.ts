/**
 * Runs the built library's `analyse` (or `captureInfo`) on a file in a child process and
 * reports what it found with the child's peak RSS: the memory bound of a hostile capture
 * measured where the test runner's own heap is not. The peak is VmHWM of /proc/self/status
 * (Linux): getrusage's ru_maxrss survives execve, so it would report the runner's own peak.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const index = resolve(__dirname, '../../dist/src/index.js');

export interface MeasuredRun {
  requests: number;
  complete: number;
  warnings: string[];
  counters: Record<string, unknown>;
  maxRssBytes: number;
  seconds: number;
}

/** `options`: JSON-able AnalyseOptions; `nodeArgs` e.g. a heap cap. */
export function measuredAnalyse(
  file: string,
  options: Record<string, unknown> = {},
  nodeArgs: string[] = [],
): MeasuredRun {
  const script = `
    const { analyse } = await import(${JSON.stringify(index)});
    const t0 = performance.now();
    const r = await analyse(${JSON.stringify(file)}, ${JSON.stringify(options)});
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(JSON.stringify({
      requests: r.requests.length, complete: r.requests.filter((q) => q.complete).length,
      warnings: r.warnings, counters: r.counters, seconds,
      maxRssBytes: Number(/VmHWM:\\s*(\\d+) kB/.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'))[1]) * 1024,
    }));`;
  const child = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (child.status !== 0) throw new Error(`child exited ${child.status}: ${child.stderr.slice(0, 2000)}`);
  return JSON.parse(child.stdout) as MeasuredRun;
}
