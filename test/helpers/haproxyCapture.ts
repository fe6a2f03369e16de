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

/** haproxy up (its VIP accepting; probed before the capture starts), tcpdump, the peers; the packets tcpdump dropped. */
async function runOnce(
  ns: Netns,
  cfg: string,
  dir: string,
  pcap: string,
  version: string,
  requests: number,
): Promise<number> {
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
        execFileSync('ip', ['netns', 'exec', ns.name, 'bash', '-c', `exec 3<>/dev/tcp/${addresses.vip}/${port}`], {
          stdio: 'pipe',
        });
        break;
      } catch {
        if (i === 100) throw new Error(`haproxy did not start: ${err.trim()}`);
        await sleep(100);
      }
    }
    dump = await startTcpdump(ns.name, 'lo', `tcp port ${port}`, pcap);
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        ns.name,
        process.execPath,
        peers,
        dir,
        addresses.backend,
        String(port),
        addresses.vip,
        String(port),
        version,
        String(requests),
        addresses.client,
      ],
      { stdio: 'pipe', timeout: 30_000 },
    );
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
  // On a loaded machine the kernel can drop a packet from tcpdump's ring: run again then.
  for (let attempt = 1; ; attempt++) {
    const dropped = await runOnce(ns, cfg, dir, pcap, version, requests);
    if (dropped === 0) break;
    if (attempt === 3) throw new Error(`tcpdump dropped packets on three attempts (${dropped} the last time)`);
  }
  return { pcap, keylog: join(dir, 'keylog.txt'), requests };
}
