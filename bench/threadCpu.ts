/**
 * `node dist/bench/threadCpu.js -- COMMAND [ARG...]`: runs COMMAND and prints its CPU time
 * per thread (user + system, from /proc/PID/task/TID/stat polled every 10 ms, each thread's
 * last reading), the main thread's, the total, and max(main, total / 2): the wall time
 * two idle cores would need at best. It does not depend on the machine's load as wall time
 * does (contention still inflates CPU time somewhat: caches, frequency).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSec = 100;

function threadTimes(pid: number, seen: Map<number, { name: string; sec: number }>): void {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    seen.set(Number(tid), { name, sec: (Number(f[11]) + Number(f[12])) / ticksPerSec });
  }
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--');
  const argv = at >= 0 ? process.argv.slice(at + 1) : process.argv.slice(2);
  if (!argv.length) {
    console.error('usage: node dist/bench/threadCpu.js -- COMMAND [ARG...]');
    process.exit(2);
  }
  const t0 = process.hrtime.bigint();
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
  const seen = new Map<number, { name: string; sec: number }>();
  const timer = setInterval(() => threadTimes(child.pid!, seen), 10);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const mainSec = seen.get(child.pid!)?.sec ?? 0;
  const total = [...seen.values()].reduce((a, t) => a + t.sec, 0);
  const others = [...seen.entries()]
    .filter(([tid, t]) => tid !== child.pid && t.sec >= 0.05)
    .map(([, t]) => t.sec.toFixed(2));
  console.log(
    `wall ${wall.toFixed(2)} s, CPU: main thread ${mainSec.toFixed(2)} s, others [${others.join(', ')}] s, ` +
      `total ${total.toFixed(2)} s; max(main, total / 2) ${Math.max(mainSec, total / 2).toFixed(2)} s` +
      (code ? ` (exit ${code})` : ''),
  );
}

await main();
