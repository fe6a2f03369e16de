/**
 * A call path as production OpenStack has it, made here: a TLS client → Debian's haproxy
 * terminating TLS on a VIP (`option forwardfor`) → a plain HTTP backend, all in one
 * network namespace made for the test (`h25-…`), on addresses of its loopback, captured
 * there by tcpdump. Throws when haproxy, tcpdump or openssl is missing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeCertificate, startTcpdump, type Netns } from './tlsCapture.js';

export const addresses = {
  client: '10.98.0.50',
  vip: '10.98.0.10',
  proxySource: '10.98.0.1',
  backend: '10.98.0.2',
} as const;
export const port = 8774;

const peers = resolve(__dirname, 'proxiedPeers.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ProxiedCapture {
  pcap: string;
  keylog: string;
  requests: number;
}

/** What runs behind haproxy while tcpdump captures: where haproxy listens, and the peers' command line in the namespace. */
export interface HaproxyRun {
  ns: Netns;
  cfg: string;
  vip: string;
  port: number;
  pcap: string;
  /** The peers script and its arguments, run with node. */
  peers: string[];
  timeoutMs: number;
}

/**
 * haproxy up (its VIP probed before tcpdump starts, so the probe is not captured), tcpdump on
 * the namespace's loopback, then the peers; on a loaded machine the kernel can drop a packet
 * from tcpdump's ring: the whole run is made again then (three attempts).
 */
export async function captureBehindHaproxy(run: HaproxyRun): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const dropped = await runOnce(run);
    if (dropped === 0) return;
    if (attempt === 3) throw new Error(`tcpdump dropped packets on three attempts (${dropped} the last time)`);
  }
}

/** One run; the packets tcpdump dropped. */
async function runOnce({ ns, cfg, vip, port, pcap, peers, timeoutMs }: HaproxyRun): Promise<number> {
  const haproxy = spawn('ip', ['netns', 'exec', ns.name, 'haproxy', '-db', '-f', cfg], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  haproxy.stderr.on('data', (c: Buffer) => (err += c));
  let dump: Awaited<ReturnType<typeof startTcpdump>> | null = null;
  let dropped = NaN;
  try {
    for (let i = 0; ; i++) {
      try {
        execFileSync('ip', ['netns', 'exec', ns.name, 'bash', '-c', `exec 3<>/dev/tcp/${vip}/${port}`], {
          stdio: 'pipe',
        });
        break;
      } catch {
        if (i === 100) throw new Error(`haproxy did not start: ${err.trim()}`);
        await sleep(100);
      }
    }
    dump = await startTcpdump(ns.name, 'lo', `tcp port ${port}`, pcap);
    execFileSync('ip', ['netns', 'exec', ns.name, process.execPath, ...peers], { stdio: 'pipe', timeout: timeoutMs });
  } finally {
    const closed = new Promise((r) => haproxy.on('close', r));
    haproxy.kill('SIGTERM');
    await closed;
    if (dump) dropped = (await dump.stop()).dropped;
  }
  return dropped;
}

/** Where haproxy listens (TLS, a fresh certificate for nova.example) and forwards (plain HTTP, X-Forwarded-For). */
export interface HaproxyTlsSite {
  /** Addresses to put on the namespace's loopback first. */
  addresses: string[];
  vip: string;
  backend: string;
  proxySource: string;
  port: number;
  /** Client and server timeouts. */
  timeoutS: number;
}

/** haproxy's configuration for one TLS frontend in front of one Nova API backend; its path. */
export function writeHaproxyTlsConfig(ns: Netns, dir: string, site: HaproxyTlsSite): string {
  for (const a of site.addresses)
    execFileSync('ip', ['-n', ns.name, 'addr', 'add', `${a}/32`, 'dev', 'lo'], { stdio: 'pipe' });
  const { cert, key } = makeCertificate(dir, 'nova.example');
  const pem = join(dir, 'haproxy.pem');
  writeFileSync(pem, readFileSync(cert, 'latin1') + readFileSync(key, 'latin1'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      '  maxconn 100',
      'defaults',
      '  mode http',
      '  option forwardfor',
      '  timeout connect 2s',
      `  timeout client ${site.timeoutS}s`,
      `  timeout server ${site.timeoutS}s`,
      'frontend nova_api_public',
      `  bind ${site.vip}:${site.port} ssl crt ${pem}`,
      '  default_backend nova_api',
      'backend nova_api',
      `  server nova1 ${site.backend}:${site.port} source ${site.proxySource}`,
      '',
    ].join('\n'),
  );
  return cfg;
}

export async function captureThroughHaproxy(
  ns: Netns,
  dir: string,
  version: 'TLSv1.2' | 'TLSv1.3',
  requests: number,
): Promise<ProxiedCapture> {
  const cfg = writeHaproxyTlsConfig(ns, dir, {
    addresses: Object.values(addresses),
    vip: addresses.vip,
    backend: addresses.backend,
    proxySource: addresses.proxySource,
    port,
    timeoutS: 10,
  });
  execFileSync('haproxy', ['-c', '-q', '-f', cfg], { stdio: 'pipe' });
  const pcap = join(dir, 'proxied.pcap');
  const a = addresses;
  await captureBehindHaproxy({
    ns,
    cfg,
    vip: a.vip,
    port,
    pcap,
    peers: [peers, dir, a.backend, String(port), a.vip, String(port), version, String(requests), a.client],
    timeoutMs: 30_000,
  });
  return { pcap, keylog: join(dir, 'keylog.txt'), requests };
}
