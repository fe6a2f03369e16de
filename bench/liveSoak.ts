/**
 * `npm run bench -- live-soak` (root; uses network namespaces it makes and removes):
 * tcpreplay sends a 100 MB Nomad capture (distinct connections: see buildInput) as fast
 * as it can, looping, for 60 s into one end of a veth pair; `vim-analyse live` captures on
 * the other end through libpcap. Reported: packets/s sent and captured, packets lost
 * between them and how many of those libpcap/kernel counted as dropped in the capture
 * ring (the packet-stats addon), and the live process's peak RSS.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { LiveStats } from '../src/live/types.js';
import { makeVethPair } from '../testkit/netns.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function liveSoak(bin: string, capture: string, seconds = 60): Promise<void> {
  const pair = makeVethPair('s');
  if ('reason' in pair) {
    console.log(`live-soak: skipped, ${pair.reason}`);
    return;
  }
  const { nsA, nsB, ifA, ifB } = pair;
  try {
    // First as fast as tcpreplay can (what the capture path keeps up with), then for the
    // full time at 80% of the rate it kept up with: the rate sustained, and its losses.
    const burst = await soakRun(bin, nsA, nsB, ifA, ifB, capture, Math.min(15, seconds), null);
    report('tcpreplay --topspeed', burst);
    const pps = Math.round((0.8 * burst.captured) / burst.seconds);
    report(`tcpreplay --pps ${pps}`, await soakRun(bin, nsA, nsB, ifA, ifB, capture, seconds, pps));
  } finally {
    pair.remove();
  }
}

interface SoakFigures {
  seconds: number;
  sent: number;
  captured: number;
  /** Kernel counts for the capture socket (null: packet-stats addon unavailable). */
  pcapReceived: number | null;
  pcapDrops: number | null;
  ifaceDrops: number | null;
  gaps: number;
  peakMb: number;
}

function report(how: string, f: SoakFigures): void {
  console.log(`\nlive-soak: ${how} for ${f.seconds.toFixed(0)} s into a veth pair, vim-analyse live on the other end`);
  const pct = (n: number) => `${((100 * n) / f.sent).toFixed(2)}%`;
  // The kernel counts only packets the capture filter matched: the rest of `lost` was filtered out.
  const kernel =
    f.pcapDrops === null
      ? 'n/a (packet-stats addon unavailable)'
      : `${f.pcapDrops} (${pct(f.pcapDrops)}) of the ${f.pcapReceived} the filter matched`;
  console.log(
    `  sent ${f.sent} packets (${(f.sent / f.seconds / 1000).toFixed(0)} kpkt/s), captured ${f.captured} (${(f.captured / f.seconds / 1000).toFixed(0)} kpkt/s), ` +
      `lost ${f.sent - f.captured} (${pct(f.sent - f.captured)}): dropped by libpcap/kernel ${kernel}, interface drops ${f.ifaceDrops ?? 'n/a'}; TCP gaps ${f.gaps}, peak RSS ${f.peakMb.toFixed(0)} MB`,
  );
}

async function soakRun(
  bin: string,
  nsA: string,
  nsB: string,
  ifA: string,
  ifB: string,
  capture: string,
  seconds: number,
  pps: number | null,
): Promise<SoakFigures> {
  const live = spawn(
    'ip',
    [
      'netns',
      'exec',
      nsB,
      '/usr/bin/time',
      '-f',
      '__PEAK_KB__%M',
      process.execPath,
      bin,
      'live',
      '-i',
      ifB,
      '--json',
      '--summary-every',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let last = '',
    err = '';
  live.stdout.on('data', (c: Buffer) => {
    const text = last + c.toString();
    last = text.slice(text.lastIndexOf('\n', text.length - 2) + 1);
  });
  live.stderr.on('data', (c: Buffer) => (err += c.toString()));
  for (let i = 0; i < 100 && !err.includes('capturing on'); i++) await sleep(100);
  const t0 = Date.now();
  const rate = pps === null ? ['--topspeed'] : ['--pps', String(pps)];
  const replay = execFileSync(
    'ip',
    [
      'netns',
      'exec',
      nsA,
      'tcpreplay',
      '-K',
      ...rate,
      '--loop',
      '0',
      '--duration',
      String(seconds),
      '-i',
      ifA,
      capture,
    ],
    { stdio: 'pipe', maxBuffer: 1 << 24 },
  ).toString();
  const elapsed = (Date.now() - t0) / 1000;
  await sleep(2000);
  // GNU time does not pass SIGINT on: signal vim-analyse itself.
  execFileSync('pkill', ['-INT', '-f', `live -i ${ifB} `]);
  await new Promise((r) => live.on('close', r));
  const result = JSON.parse(last.trim()) as { counters: { live: LiveStats; net: { gaps: number }[] } };
  return {
    seconds: elapsed,
    sent: Number(/Actual: (\d+) packets/.exec(replay)?.[1] ?? NaN),
    captured: result.counters.live.packets,
    pcapReceived: result.counters.live.pcapReceived,
    pcapDrops: result.counters.live.pcapDrops,
    ifaceDrops: result.counters.live.ifaceDrops,
    gaps: result.counters.net[0]?.gaps ?? 0,
    peakMb: Number(/__PEAK_KB__(\d+)/.exec(err)?.[1] ?? NaN) / 1024,
  };
}

export const soakInput = (cacheDir: string) => join(cacheDir, 'nomad-2016-stock-100m.pcap');
