/**
 * `vim-analyse live` run in a network namespace by the live tests: its output collected, the
 * stop by SIGINT (as Ctrl-C), its NDJSON lines parsed.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const bin = resolve(__dirname, '../../dist/bin/vim-analyse.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type LiveLine = { type: string } & Record<string, unknown>;

export interface LiveProcess {
  /** Standard error so far. */
  err(): string;
  /** SIGINT, then its exit code (or the signal that ended it), standard error and standard output's lines. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string; lines: LiveLine[] }>;
}

/** `vim-analyse live ARGS` in `ns`; resolves once it says it is capturing, or after 10 s (the caller checks err()). */
export async function startLive(ns: string, args: string[]): Promise<LiveProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, bin, 'live', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '',
    err = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (err += c));
  for (let i = 0; i < 100 && !err.includes('capturing on'); i++) await sleep(100);
  return {
    err: () => err,
    async stop() {
      child.kill('SIGINT');
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
        child.on('close', (c, s) => r([c, s])),
      );
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as LiveLine);
      return { code, signal, err, lines };
    },
  };
}
