/**
 * Where a test run's CPU goes, function by function: loaded into every node process of a run with
 * `NODE_OPTIONS="--import ./dist/scripts/cpuProfileHook.js" VIM_ANALYSE_PROFILE_DIR=<dir>`, it starts
 * V8's sampling profiler (1 ms) in each vitest fork and each CLI run and writes a .cpuprofile when the
 * process ends (vitest ends its forks with SIGTERM, which `--cpu-prof` does not survive).
 * `node dist/scripts/cpuProfileSummary.js <dir> fork|cli` sums the samples by function.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.VIM_ANALYSE_PROFILE_DIR;
const kind = process.argv.some((a) => a.includes('workers/forks'))
  ? 'fork'
  : process.argv.some((a) => a.includes('vim-analyse.js'))
    ? 'cli'
    : null;

if (dir && kind && isMainThread) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    // The main thread's own session answers synchronously: the file is written before the process ends.
    session.post('Profiler.stop', (err, r) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${kind}-${process.pid}.cpuprofile`), JSON.stringify(r.profile));
    });
  };
  process.on('exit', write);
  process.on('disconnect', write);
  // A CLI's own SIGTERM handling (live) is left alone: it exits, and 'exit' writes.
  if (kind === 'fork')
    process.once('SIGTERM', () => {
      write();
      process.exit(143);
    });
}
