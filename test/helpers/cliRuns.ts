/**
 * The built CLI run as a child process, several at a time: each run is a process of its own,
 * so while this test file waits on one, another can use a free core.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The CLI users run (package.json's bin): the esbuild bundle scripts/bundleCli.ts makes of tsc's dist/bin. */
export const cliPath = resolve(__dirname, '../../dist/cli/vim-analyse.js');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One run of `node dist/cli/vim-analyse.js ARGS`, its output read as latin1 (every byte kept). */
export function runCli(args: readonly string[], timeoutMs = 120_000): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (status) =>
      done({ status, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') }),
    );
  });
}

/** Runs jobs at most `concurrency` at a time, in the order they were given. */
export function limited(concurrency: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) await new Promise<void>((go) => waiting.push(go));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
