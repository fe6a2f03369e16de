/**
 * `npm run bench -- live-rss` (root; makes and removes its own network namespaces):
 * does a long `vim-analyse live` run keep its memory flat? nova-seq and nomad-2016-stock,
 * each repeated with copy-specific ids from 4 address blocks (buildInput), are replayed together with tcpreplay
 * at 3x their recorded pace into a veth pair for SOAK_MINUTES (default 11) — a steady
 * stream of new VM starts, never the same ids twice — while `live --metrics --otlp-endpoint
 * --retain 60` captures the other end, its /metrics scraped every 15 s and its spans pushed
 * to a receiver beside it that discards them. The live process's RSS
 * (/proc/PID/status VmRSS) is sampled every 5 s and printed per minute; the run passes
 * when RSS at minute 10 is within 10% of minute 2.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeVethPair } from '../testkit/netns.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);

export const rssInputs = (cacheDir: string) => ({
  nova: join(cacheDir, 'nova-seq-rss.pcap'),
  nomad: join(cacheDir, 'nomad-2016-stock-rss.pcap'),
});

/** Counts the bodies it is sent; prints the totals when stopped. */
const otlpSink = `let bodies = 0, bytes = 0;
require('http').createServer((q, s) => { q.on('data', (d) => (bytes += d.length)); q.on('end', () => { bodies++; s.writeHead(200).end(); }); })
  .listen(4318, '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => { console.log('bodies=' + bodies + ' bytes=' + bytes); process.exit(0); });`;

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

export async function liveRss(
  bin: string,
  inputs: { nova: string; nomad: string },
  minutes: number,
  extraArgs: string[] = [],
): Promise<boolean> {
  const pair = makeVethPair('r', 'h24-');
  if ('reason' in pair) throw new Error(`live-rss: ${pair.reason}`);
  const { nsA, nsB, ifA, ifB } = pair;
  try {
    await run('ip', ['-n', nsB, 'link', 'set', 'lo', 'up']);
    // An OTLP/HTTP receiver beside it that counts and discards what it is sent.
    const receiver = spawn('ip', ['netns', 'exec', nsB, process.execPath, '-e', otlpSink], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let sink = '';
    receiver.stdout.on('data', (c: Buffer) => (sink += c.toString()));
    for (let i = 0; i < 100 && !sink.includes('listening'); i++) await sleep(100);
    const args = [
      bin,
      'live',
      '-i',
      ifB,
      '--json',
      '--summary-every',
      '30',
      '--metrics',
      '127.0.0.1:9464',
      '--otlp-endpoint',
      'http://127.0.0.1:4318',
      '--retain',
      '60',
      ...extraArgs,
    ];
    console.log(`live-rss: node ${args.join(' ')} (in ${nsB}), ${minutes} min`);
    const live = spawn('ip', ['netns', 'exec', nsB, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let requests = 0,
      incomplete = 0,
      err = '',
      tail = '';
    live.stdout.on('data', (c: Buffer) => {
      const text = tail + c.toString();
      const lines = text.split('\n');
      tail = lines.pop()!;
      for (const l of lines)
        if (l.startsWith('{"type":"request"')) {
          requests++;
          if (l.includes('"complete":false')) incomplete++;
        }
    });
    live.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const closed = new Promise<number | null>((r) => live.on('close', r));
    for (let i = 0; i < 100 && !err.includes('capturing on'); i++) await sleep(100);
    if (!err.includes('capturing on')) throw new Error(`live-rss: live did not start: ${err}`);
    // `ip netns exec` execs the command: the child's pid is vim-analyse's.
    const pid = live.pid!;
    const t0 = Date.now();
    const seconds = Math.ceil(minutes * 60);
    const replays = [inputs.nova, inputs.nomad].map((f) =>
      run('ip', ['netns', 'exec', nsA, 'tcpreplay', '-q', '-x', '3', '--duration', String(seconds), '-i', ifA, f], {
        maxBuffer: 1 << 24,
      }),
    );
    const samples: { sec: number; kb: number; requests: number }[] = [];
    let lastScrape = 0,
      scrapeBytes = 0;
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(5000);
      const sec = (Date.now() - t0) / 1000;
      samples.push({ sec, kb: rssKb(pid), requests });
      if (sec - lastScrape >= 15) {
        lastScrape = sec;
        scrapeBytes = (await run('ip', ['netns', 'exec', nsB, 'curl', '-sf', 'http://127.0.0.1:9464/metrics'])).stdout
          .length;
      }
    }
    await Promise.all(replays);
    live.kill('SIGTERM');
    const code = await closed;
    receiver.kill('SIGTERM');
    await new Promise((r) => receiver.on('close', r));
    console.log(
      `live-rss: ${requests} requests streamed (${incomplete} incomplete), last scrape ${scrapeBytes} bytes, OTLP receiver got ${/bodies=(\d+) bytes=(\d+)/.exec(sink)?.slice(1).join(' bodies, ') ?? '?'} bytes, exit ${code}`,
    );
    console.log('minute  RSS MB  requests so far');
    const at = (m: number) =>
      samples.reduce((best, s) => (Math.abs(s.sec - 60 * m) < Math.abs(best.sec - 60 * m) ? s : best));
    for (let m = 1; m <= Math.floor(minutes); m++) {
      const s = at(m);
      console.log(
        `${String(m).padStart(6)}  ${(s.kb / 1024).toFixed(1).padStart(6)}  ${String(s.requests).padStart(8)}`,
      );
    }
    const after2 = samples.filter((s) => s.sec >= 120).map((s) => s.kb);
    const m2 = at(2).kb,
      m10 = at(Math.min(10, Math.floor(minutes))).kb;
    const ok = Math.abs(m10 - m2) <= 0.1 * m2;
    console.log(
      `live-rss: minute 2 ${(m2 / 1024).toFixed(1)} MB, minute 10 ${(m10 / 1024).toFixed(1)} MB (${(((m10 - m2) / m2) * 100).toFixed(1)}%), range after minute 2 ${(Math.min(...after2) / 1024).toFixed(1)}–${(Math.max(...after2) / 1024).toFixed(1)} MB: ${ok ? 'flat (within 10%)' : 'NOT flat'}`,
    );
    return ok;
  } finally {
    pair.remove();
  }
}
