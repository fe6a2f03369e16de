/**
 * Setup file (vitest.config.ts): with VIM_ANALYSE_TEST_CPU=<file>, appends a line per test file
 * with the CPU seconds its worker and its finished children (tshark, the CLI, Chromium) used, from
 * /proc/self/stat, its wall time and when it started (Unix seconds): where and when the suite's
 * time goes (docs/performance.md). A worker runs file after file (isolate: false), so the figures
 * are differences around each file.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';

const out = process.env.VIM_ANALYSE_TEST_CPU;
const root = resolve(__dirname, '../..');
/** USER_HZ: 100 on every Linux build node runs on. */
const ticksPerSecond = 100;

/** utime, stime, cutime, cstime of this process, in seconds (proc(5): fields 14–17). */
export function cpuSeconds(): number[] {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // The command name may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].map((i) => Number(fields[i]) / ticksPerSecond);
}

if (out !== undefined) {
  let start: number[] = [];
  let t0 = 0;
  beforeAll(() => {
    start = cpuSeconds();
    t0 = performance.now();
  });
  afterAll(() => {
    const used = cpuSeconds().map((v, i) => (v - start[i]).toFixed(2));
    const file = relative(root, expect.getState().testPath ?? '?');
    const wall = ((performance.now() - t0) / 1000).toFixed(2);
    const started = ((performance.timeOrigin + t0) / 1000).toFixed(2);
    appendFileSync(out, [file, ...used, wall, started].join('\t') + '\n');
  });
}
