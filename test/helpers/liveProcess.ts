/**
 * `vim-analyse live` run in a network namespace by the live tests: its output collected, the
 * stop by SIGINT (as Ctrl-C), its NDJSON lines parsed; and tcpreplay sending into the other end.
 * Both run at a raised priority (nice -10, the tests run as root): a busy test process beside them
 * must not starve the capture into kernel drops, nor the replay off its clock.
 */
import { spawn } from 'node:child_process';
import { cliPath as bin } from './cliRuns.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The prefix (argv) that runs a command in `ns`. */
export const inNs = (ns: string) => ['ip', 'netns', 'exec', ns];
/** The prefix (argv) that runs a command in `ns` at the live tests' raised priority. */
export const raisedInNs = (ns: string) => ['nice', '-n', '-10', ...inNs(ns)];

/**
 * tcpreplay's timers: `clock` (its default, gtod) keeps the capture's pace but spins a core for the
 * whole replay (nova-seq at 25×: 5 s of CPU); `sleep` (select) costs a tenth of a second and falls
 * behind by ~65 µs a packet. A test that compares what was sent with what was captured sleeps.
 */
export type ReplayTimer = 'clock' | 'sleep';

/** The command (argv) that replays `file` into `iface` of `ns`: `speed` is e.g. ['-x', '25'] or ['--topspeed']. */
export function replayCommand(
  ns: string,
  iface: string,
  file: string,
  speed: string[],
  timer: ReplayTimer,
): [string, string[]] {
  const timing = timer === 'sleep' ? ['--timer=select'] : [];
  const [command, ...args] = [...raisedInNs(ns), 'tcpreplay', '-q', ...timing, ...speed, '-i', iface, file];
  return [command, args];
}

export type LiveLine = { type: string } & Record<string, unknown>;

export interface LiveProcess {
  /** Standard error so far. */
  err(): string;
  /** SIGINT, then its exit code (or the signal that ended it), standard error and standard output's lines. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string; lines: LiveLine[] }>;
}

/** `vim-analyse live ARGS` in `ns`; resolves once it says it is capturing, or after 10 s (the caller checks err()). */
export async function startLive(ns: string, args: string[]): Promise<LiveProcess> {
  const [command, ...prefix] = raisedInNs(ns);
  const child = spawn(command, [...prefix, process.execPath, bin, 'live', ...args], {
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
