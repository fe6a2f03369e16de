/**
 * Runs a command as a whole process and reports wall time and peak RSS. Peak RSS comes
 * from GNU time (`/usr/bin/time -f %M`) when present, else from polling /proc/PID/status.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface Measurement {
  wallSec: number;
  peakRssMb: number;
  exitCode: number | null;
  stdoutBytes: number;
  stderr: string;
}

export async function measure(cmd: string, args: string[]): Promise<Measurement> {
  const gnuTime = existsSync('/usr/bin/time');
  const argv = gnuTime ? ['/usr/bin/time', '-f', '__PEAK_KB__%M', cmd, ...args] : [cmd, ...args];
  const t0 = process.hrtime.bigint();
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdoutBytes = 0,
    stderr = '',
    polledKb = 0;
  child.stdout.on('data', (c: Buffer) => {
    stdoutBytes += c.length;
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const poll = gnuTime
    ? null
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polledKb = Math.max(polledKb, Number(m[1]));
        } catch {
          /* exited */
        }
      }, 20);
  const exitCode: number | null = await new Promise((res) => child.on('close', (code) => res(code)));
  if (poll) clearInterval(poll);
  const wallSec = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /__PEAK_KB__(\d+)/.exec(stderr);
  const peakKb = m ? Number(m[1]) : polledKb;
  return { wallSec, peakRssMb: peakKb / 1024, exitCode, stdoutBytes, stderr: stderr.replace(/__PEAK_KB__\d+\n?/, '') };
}

/** The median of several runs' wall times (the VM's wall clock swings ±30% run to run), the largest peak RSS. */
export interface RepeatedMeasurement extends Measurement {
  walls: number[];
}

export function medianOf(runs: Measurement[]): RepeatedMeasurement {
  const walls = runs.map((r) => r.wallSec).sort((a, b) => a - b);
  const mid = walls.length >> 1;
  const wallSec = walls.length % 2 ? walls[mid] : (walls[mid - 1] + walls[mid]) / 2;
  const failed = runs.find((r) => r.exitCode !== 0);
  return {
    ...(failed ?? runs[0]),
    wallSec,
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    walls,
  };
}
