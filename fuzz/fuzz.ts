/**
 * `npm run fuzz -- [--variants N] [--seed S] [--only i,j] [--workers W] [--threads T] [--time-limit ms]
 * [--rss-limit MiB] [--whole fraction] [--captures dir]`: damaged variants of every
 * shared capture through the main job; exits 1 when any variant crashed, hung, leaked a
 * secret, returned a bad result or went over the memory bound.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { formatSummary, runFuzz, sharedCaptureSet } from './runFuzz.js';

const program = new Command('fuzz')
  .option('--variants <n>', 'variants to run', '1000')
  .option('--seed <s>', 'seed of the run', '1')
  .option('--only <list>', 'run only these variant numbers (comma-separated)')
  .option('--workers <n>', 'child processes', String(Math.max(1, availableParallelism())))
  .option('--threads <n>', "threads each analysis parses the capture with (analyse's workers)", '2')
  .option('--time-limit <ms>', 'per-variant time limit', '30000')
  .option('--rss-limit <mib>', 'peak RSS bound per variant (one thread; 40 MiB more per extra thread)', '200')
  .option(
    '--whole <fraction>',
    'share of variants made from a whole capture (the rest from a window of packets)',
    '0.3',
  )
  .option('--list', 'print every variant: outcome, what was done, the message')
  .option('--captures <dir>', 'the shared captures', resolve(process.cwd(), '../shared/captures'))
  .parse();

const opts = program.opts<Record<string, string>>();
const captures = sharedCaptureSet(opts.captures);
if (!captures.length) {
  console.error(`fuzz: no captures under ${opts.captures}`);
  process.exit(2);
}
let done = 0;
const summary = await runFuzz({
  captures,
  variants: Number(opts.variants),
  seed: Number(opts.seed),
  only: opts.only?.split(',').map(Number),
  timeLimitMs: Number(opts.timeLimit),
  rssLimitBytes: Number(opts.rssLimit) * 2 ** 20,
  workers: Number(opts.workers),
  threads: Number(opts.threads),
  workerScript: fileURLToPath(new URL('./fuzzWorker.js', import.meta.url)),
  wholeFraction: Number(opts.whole),
  onVariant: (v, o) => {
    done++;
    if (opts.list)
      console.log(
        `${v.index} ${o.status} ${v.capture} ${v.kind} ${o.ms.toFixed(0)} ms ${(o.peakRssBytes / 2 ** 20).toFixed(0)} MiB ${o.requests} requests | ${v.notes.join('; ')}${o.message ? ` | ${o.message.split('\n')[0]}` : ''}`,
      );
    if (o.status !== 'ok' && o.status !== 'rejected')
      process.stderr.write(`\n${o.status}: variant ${v.index} (${v.capture}, ${v.kind})\n`);
    if (done % 100 === 0) process.stderr.write(`\r${done} variants`);
  },
});
process.stderr.write('\n');
console.log(formatSummary(summary));
process.exit(summary.findings.length ? 1 : 0);
