/**
 * Real TLS sessions captured here: a network namespace made for the test (`h25-…`, only
 * its loopback), tcpdump (libpcap) writing a pcap there while `tlsPeers.mjs` runs a Node
 * TLS server and client with the version and cipher asked for, logging the client's keys.
 * (--immediate-mode: without it, packets still in an unretired ring block are lost at SIGINT.)
 * Throws when something it needs is missing: the tests that use it fail, never skip.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface TlsCapture {
  pcap: string;
  keylog: string;
  /** The server's port. */
  port: number;
  sent: { client: string; server: string };
  negotiated: { protocol: string; cipher: string };
}

const peers = resolve(__dirname, 'tlsPeers.mjs');

export function makeCertificate(dir: string, cn: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem'),
    key = join(dir, 'key.pem');
  if (!existsSync(cert))
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        `/CN=${cn}`,
      ],
      { stdio: 'pipe' },
    );
  return { cert, key };
}

export class Netns {
  readonly name: string;
  constructor(tag: string) {
    this.name = `h25-${tag}${process.pid % 10000}`;
    execFileSync('ip', ['netns', 'add', this.name], { stdio: 'pipe' });
    execFileSync('ip', ['-n', this.name, 'link', 'set', 'lo', 'up'], { stdio: 'pipe' });
  }
  remove(): void {
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'pipe' });
    } catch {
      /* gone */
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** tcpdump on an interface of the namespace; resolve stop() when it has written the file. */
export async function startTcpdump(
  ns: string,
  iface: string,
  filter: string,
  pcap: string,
): Promise<{ stop(): Promise<{ dropped: number }> }> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns,
      'tcpdump',
      '--immediate-mode',
      '-Z',
      'root',
      '-i',
      iface,
      '-U',
      '-s',
      '0',
      '-w',
      pcap,
      filter,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c));
  for (let i = 0; i < 100 && !err.includes('listening on'); i++) await sleep(50);
  if (!err.includes('listening on')) {
    child.kill('SIGKILL');
    throw new Error(`tcpdump did not start: ${err.trim()}`);
  }
  return {
    async stop() {
      await sleep(200);
      const closed = new Promise((r) => child.on('close', r));
      child.kill('SIGINT');
      await closed;
      return { dropped: Number(/(\d+) packets dropped by kernel/.exec(err)?.[1] ?? NaN) };
    },
  };
}

/** One TLS connection with three HTTP exchanges, captured on the namespace's loopback. */
export async function captureTlsSession(
  ns: Netns,
  dir: string,
  certDir: string,
  version: 'TLSv1.2' | 'TLSv1.3',
  cipher: string,
  port: number,
): Promise<TlsCapture> {
  const { cert, key } = makeCertificate(certDir, 'nova.example');
  const pcap = join(dir, 'tls.pcap');
  // On a loaded machine the kernel can drop a packet from tcpdump's ring: run again then.
  for (let attempt = 1; ; attempt++) {
    const dump = await startTcpdump(ns.name, 'lo', `tcp port ${port}`, pcap);
    let dropped: number;
    try {
      execFileSync(
        'ip',
        [
          'netns',
          'exec',
          ns.name,
          process.execPath,
          peers,
          dir,
          '127.0.0.1',
          String(port),
          version,
          cipher,
          cert,
          key,
          'nova.example',
        ],
        { stdio: 'pipe', timeout: 20_000 },
      );
    } finally {
      dropped = (await dump.stop()).dropped;
    }
    if (dropped === 0) break;
    if (attempt === 3) throw new Error(`tcpdump dropped packets on three attempts (${dropped} the last time)`);
  }
  return {
    pcap,
    keylog: join(dir, 'keylog.txt'),
    port,
    sent: JSON.parse(readFileSync(join(dir, 'sent.json'), 'utf8')),
    negotiated: JSON.parse(readFileSync(join(dir, 'negotiated.json'), 'utf8')),
  };
}
