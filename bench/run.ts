/**
 * `npm run bench [-- MODE...]`: vim-analyse against tshark on the same large captures, in
 * one run. Inputs (≥ 1 GB, built from ../shared/captures by repeating a capture with
 * shifted times and addresses) are cached outside git in $VIM_ANALYSE_BENCH_DIR
 * (default: the OS temp dir). tshark is run on a ~100 MB slice and rates are compared.
 *
 * Modes: info-nomad, info-nova, messages-nova, messages-nomad, main-nova, main-nomad,
 * workers-nomad and workers-nova (the main job with --workers 2 against --workers 1 on the same input),
 * info-nomad-sll2 and main-nomad-sll2 (the Nomad input rewritten to Linux cooked v2, as
 * `tcpdump -i any` writes it), info-nova-net and main-nova-net (real Neutron and libvirt),
 * live-soak (default: all), and live-rss (only when named: a SOAK_MINUTES-long memory soak). Each side runs BENCH_RUNS times (default 3), alternating,
 * and the median wall time is compared; peak RSS is the largest of the runs.
 */
import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRepeatedCapture, type BenchLink } from './buildInput.js';
import { measure, medianOf, type Measurement, type RepeatedMeasurement } from './measure.js';
import { liveSoak, soakInput } from './liveSoak.js';
import { liveRss, rssInputs } from './liveRss.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = resolve(root, '../shared/captures');
const cacheDir = process.env.VIM_ANALYSE_BENCH_DIR ?? join(tmpdir(), 'vim-analyse-bench');
const bin = join(root, 'dist/cli/vim-analyse.js');
const GB = 1024 ** 3,
  MB = 1024 ** 2;

interface Mode {
  name: string;
  source: string;
  ours: (file: string) => string[];
  tshark: (file: string) => string[];
  /** Compared with vim-analyse on the same input (this command) instead of tshark: --workers 2 against 1. */
  alone?: (file: string) => string[];
  /** The link layer of the built input (default: as captured). */
  link?: BenchLink;
}

// tshark decoding comparable to ours: HTTP on the OpenStack/Nomad ports and AMQP, fields out.
const novaHttpPorts = ['5000', '8774', '8778', '9292', '9696'].flatMap((p) => ['-d', `tcp.port==${p},http`]);
const tsharkDecode = (extra: string[]) => (f: string) => [
  '-r',
  f,
  ...extra,
  '-Y',
  'http || amqp',
  '-T',
  'fields',
  '-e',
  'frame.time_epoch',
  '-e',
  'tcp.stream',
  '-e',
  'http.request.method',
  '-e',
  'http.request.uri',
  '-e',
  'http.response.code',
  '-e',
  'amqp.method.class',
  '-e',
  'amqp.method.method',
  '-e',
  'amqp.method.arguments.routing_key',
];

const modes: Mode[] = [
  {
    name: 'info-nomad',
    source: 'nomad-2016-stock/capture.pcap',
    ours: (f) => [bin, 'info', f, '--json'],
    tshark: (f) => ['-r', f, '-q', '-z', 'conv,tcp'],
  },
  {
    name: 'info-nova',
    source: 'nova-seq/capture.pcapng.gz',
    ours: (f) => [bin, 'info', f, '--json'],
    tshark: (f) => ['-r', f, '-q', '-z', 'conv,tcp'],
  },
  {
    name: 'messages-nova',
    source: 'nova-seq/capture.pcapng.gz',
    ours: (f) => [bin, 'messages', f, '--json'],
    tshark: tsharkDecode(novaHttpPorts),
  },
  {
    name: 'messages-nomad',
    source: 'nomad-2016-stock/capture.pcap',
    ours: (f) => [bin, 'messages', f, '--json'],
    tshark: tsharkDecode(['-d', 'tcp.port==4646,http', '-d', 'tcp.port==8080,http']),
  },
  {
    name: 'main-nova',
    source: 'nova-seq/capture.pcapng.gz',
    ours: (f) => [bin, f, '--format', 'json'],
    tshark: tsharkDecode(novaHttpPorts),
  },
  {
    name: 'main-nomad',
    source: 'nomad-2016-stock/capture.pcap',
    ours: (f) => [bin, f, '--format', 'json'],
    tshark: tsharkDecode(['-d', 'tcp.port==4646,http', '-d', 'tcp.port==8080,http']),
  },
  {
    name: 'info-nomad-sll2',
    link: 'sll2',
    source: 'nomad-2016-stock/capture.pcap',
    ours: (f) => [bin, 'info', f, '--json'],
    tshark: (f) => ['-r', f, '-q', '-z', 'conv,tcp'],
  },
  {
    name: 'main-nomad-sll2',
    link: 'sll2',
    source: 'nomad-2016-stock/capture.pcap',
    ours: (f) => [bin, f, '--format', 'json'],
    tshark: tsharkDecode(['-d', 'tcp.port==4646,http', '-d', 'tcp.port==8080,http']),
  },
  {
    name: 'workers-nomad',
    source: 'nomad-2016-stock/capture.pcap',
    ours: (f) => [bin, f, '--format', 'json', '--workers', '2'],
    tshark: () => [],
    alone: (f) => [bin, f, '--format', 'json', '--workers', '1'],
  },
  {
    name: 'workers-nova',
    source: 'nova-seq/capture.pcapng.gz',
    ours: (f) => [bin, f, '--format', 'json', '--workers', '2'],
    tshark: () => [],
    alone: (f) => [bin, f, '--format', 'json', '--workers', '1'],
  },
  {
    name: 'info-nova-net',
    source: 'nova-net/capture.pcapng.gz',
    ours: (f) => [bin, 'info', f, '--json'],
    tshark: (f) => ['-r', f, '-q', '-z', 'conv,tcp'],
  },
  {
    name: 'main-nova-net',
    source: 'nova-net/capture.pcapng.gz',
    ours: (f) => [bin, f, '--format', 'json'],
    tshark: tsharkDecode(novaHttpPorts),
  },
];

function row(label: string, bytes: number, packets: number, m: RepeatedMeasurement): string {
  const mbs = bytes / MB / m.wallSec;
  const spread =
    m.walls.length > 1 ? `  (${m.walls.length} runs: ${m.walls.map((w) => w.toFixed(2)).join(', ')} s)` : '';
  return `${label.padEnd(10)} ${m.wallSec.toFixed(2).padStart(8)} s ${mbs.toFixed(1).padStart(9)} MB/s ${(packets / m.wallSec / 1000).toFixed(0).padStart(7)} kpkt/s ${m.peakRssMb.toFixed(0).padStart(6)} MB peak RSS${m.exitCode ? `  (exit ${m.exitCode})` : ''}${spread}`;
}

const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  await mkdir(cacheDir, { recursive: true });
  console.log(`bench inputs in ${cacheDir}`);
  for (const mode of modes.filter((m) => wanted.length === 0 || wanted.includes(m.name))) {
    await runMode(mode);
  }
  if (wanted.length === 0 || wanted.includes('live-soak')) {
    await buildRepeatedCapture(join(shared, 'nomad-2016-stock/capture.pcap'), soakInput(cacheDir), 100 * MB);
    await liveSoak(bin, soakInput(cacheDir), Number(process.env.SOAK_SECONDS ?? 60));
  }
  // Not in the default set: it takes SOAK_MINUTES (default 11).
  if (wanted.includes('live-rss')) {
    const minutes = Number(process.env.SOAK_MINUTES ?? 11);
    // Enough copies that 3x replay never reaches the end (nova-seq: 125 s, nomad: 43 s a copy),
    // from 4 address blocks each: a fixed set of hosts, new VM starts all the time.
    const inputs = rssInputs(cacheDir);
    await buildRepeatedCapture(
      join(shared, 'nova-seq/capture.pcapng.gz'),
      inputs.nova,
      ((minutes * 60 * 3) / 125 + 2) * 17 * MB,
      4,
    );
    await buildRepeatedCapture(
      join(shared, 'nomad-2016-stock/capture.pcap'),
      inputs.nomad,
      ((minutes * 60 * 3) / 43 + 2) * 3 * MB,
      4,
    );
    if (!(await liveRss(bin, inputs, minutes, process.env.SOAK_ARGS?.split(' ').filter(Boolean)))) process.exitCode = 1;
  }
}

/** Two vim-analyse commands on the same input, run in turn: the second's wall time over the first's. */
async function runWorkersMode(mode: Mode, alone: (file: string) => string[]): Promise<void> {
  const big = join(cacheDir, `${mode.source.split('/')[0]}-1g.pcap`);
  const b = await buildRepeatedCapture(join(shared, mode.source), big, GB);
  const oneRuns: Measurement[] = [],
    twoRuns: Measurement[] = [];
  for (let k = 0; k < runs; k++) {
    oneRuns.push(await measure(process.execPath, alone(big)));
    twoRuns.push(await measure(process.execPath, mode.ours(big)));
  }
  const one = medianOf(oneRuns),
    two = medianOf(twoRuns);
  console.log(`\n${mode.name}: the main job on ${(b.bytes / MB).toFixed(0)} MB, --workers 1 and --workers 2 in turn`);
  console.log(row('1 worker', b.bytes, b.packets, one));
  console.log(row('2 workers', b.bytes, b.packets, two));
  console.log(`speed-up --workers 2 over --workers 1 (medians): ${(one.wallSec / two.wallSec).toFixed(2)}x`);
  for (const m of [one, two]) if (m.exitCode !== 0) console.log(`vim-analyse stderr: ${m.stderr.slice(0, 500)}`);
}

async function runMode(mode: Mode): Promise<void> {
  if (mode.alone) return runWorkersMode(mode, mode.alone);
  {
    const src = join(shared, mode.source);
    const base = mode.source.split('/')[0];
    const link = mode.link ?? 'as-captured';
    const tag = link === 'as-captured' ? base : `${base}-${link}`;
    const big = join(cacheDir, `${tag}-1g.pcap`);
    const slice = join(cacheDir, `${tag}-100m.pcap`);
    const b = await buildRepeatedCapture(src, big, GB, 0, link);
    await buildRepeatedCapture(src, slice, 100 * MB, 0, link);
    const bigBytes = (await stat(big)).size,
      sliceBytes = (await stat(slice)).size;
    const perByte = b.packets / b.bytes;
    const oursRuns: Measurement[] = [],
      theirRuns: Measurement[] = [];
    for (let k = 0; k < runs; k++) {
      oursRuns.push(await measure(process.execPath, mode.ours(big)));
      theirRuns.push(await measure('tshark', mode.tshark(slice)));
    }
    const ours = medianOf(oursRuns),
      theirs = medianOf(theirRuns);
    console.log(
      `\n${mode.name}: vim-analyse on ${(bigBytes / MB).toFixed(0)} MB, tshark on a ${(sliceBytes / MB).toFixed(0)} MB slice of the same`,
    );
    console.log(row('vim-analyse', bigBytes, bigBytes * perByte, ours));
    console.log(row('tshark', sliceBytes, sliceBytes * perByte, theirs));
    const ratio = bigBytes / ours.wallSec / (sliceBytes / theirs.wallSec);
    console.log(`throughput ratio vim-analyse/tshark (medians): ${ratio.toFixed(1)}x`);
    if (ours.exitCode !== 0) console.log(`vim-analyse stderr: ${ours.stderr.slice(0, 500)}`);
  }
}

await main();
