/**
 * TLS through the whole tool, on real sessions captured here (Node/OpenSSL peers in a
 * namespace, tcpdump): `info` names encrypted connections, the main job and `messages`
 * read Nova's HTTP inside them with --tls-keylog, say which connections stayed encrypted
 * without it, and never print the key log.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureTlsSession, Netns, type TlsCapture } from '../helpers/tlsCapture.js';
import { cliPath as bin } from '../helpers/cliRuns.js';

const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });

describe('TLS in info, the main job and messages (real sessions, built dist/)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h25-tlsp-'));
  const ns = new Netns('tlsp');
  const caps: Record<string, TlsCapture> = {};
  let secrets: string[] = [];
  afterAll(() => {
    ns.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    for (const [v, cipher, port] of [
      ['TLSv1.2', 'ECDHE-RSA-CHACHA20-POLY1305', 8774],
      ['TLSv1.3', 'TLS_AES_256_GCM_SHA384', 8775],
    ] as const) {
      mkdirSync(join(dir, v));
      caps[v] = await captureTlsSession(ns, join(dir, v), dir, v, cipher, port);
    }
    secrets = Object.values(caps).flatMap((c) =>
      readFileSync(c.keylog, 'latin1')
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[2]),
    );
    expect(secrets.length).toBe(1 + 5);
  }, 60_000);

  const noSecret = (text: string) => {
    for (const s of secrets) expect(text.toLowerCase()).not.toContain(s.toLowerCase());
  };

  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${v}: info names the connection TLS with its server name and version, on Nova's port`, () => {
      const r = run('info', caps[v].pcap, '--json');
      expect(r.status).toBe(0);
      const info = JSON.parse(r.stdout);
      expect(info.connections).toHaveLength(1);
      expect(info.connections[0]).toMatchObject({
        protocol: 'tls',
        tls: { serverName: 'nova.example', version: v.replace('v', ' ') },
      });
      expect(run('info', caps[v].pcap).stdout).toMatch(new RegExp(`tls ${v.slice(4)} nova\\.example`));
    });

    it(`${v}: with --tls-keylog, messages lists the Nova calls inside; without, none`, () => {
      const withKeys = run('messages', caps[v].pcap, '--json', '--tls-keylog', caps[v].keylog);
      expect(withKeys.status).toBe(0);
      const lines = withKeys.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((m) => [m.service, m.name, m.status])).toEqual([
        ['nova-api', 'POST /v2.1/servers', 202],
        ['nova-api', 'GET /v2.1/servers/{id}', 200],
        ['nova-api', 'GET /v2.1/flavors', 200],
      ]);
      noSecret(withKeys.stdout + withKeys.stderr);
      const without = run('messages', caps[v].pcap, '--json');
      expect(without.status).toBe(0);
      expect(without.stdout.trim()).toBe('');
    });

    it(`${v}: the result lists the connection, opened or not and why, and never the key log`, () => {
      const opened = run(caps[v].pcap, '-f', 'json', '-q', '--tls-keylog', caps[v].keylog);
      expect(opened.status).toBe(0);
      noSecret(opened.stdout + opened.stderr);
      const a = JSON.parse(opened.stdout);
      expect(a.tls.connections).toEqual([
        expect.objectContaining({ serverName: 'nova.example', version: v.replace('v', ' '), decrypted: true }),
      ]);
      expect(a.counters.messages.novaHttp).toBe(3);
      const closed = JSON.parse(run(caps[v].pcap, '-f', 'json', '-q').stdout);
      expect(closed.tls.connections).toEqual([
        expect.objectContaining({ decrypted: false, reason: 'no key log given' }),
      ]);
      expect(closed.tls.connections[0].records.undecrypted).toBeGreaterThan(3);
      expect(closed.counters.messages.novaHttp).toBe(0);
      // Worker threads send the connection's summary as it changes: the same result.
      const twoWorkers = run(caps[v].pcap, '-f', 'json', '-q', '--workers', '2');
      expect(twoWorkers.status).toBe(0);
      expect(JSON.parse(twoWorkers.stdout)).toEqual(closed);
    });
  }

  it('the table says which connections stayed encrypted and why', () => {
    const c = caps['TLSv1.3'];
    expect(run(c.pcap, '-q').stdout).toContain(
      'tls: 1 connection, 0 decrypted; still encrypted: 127.0.0.1:8775 nova.example TLS 1.3 (no key log given)',
    );
    expect(run(c.pcap, '-q', '--tls-keylog', c.keylog).stdout).toMatch(/tls: 1 connection, 1 decrypted\n/);
  });

  it('an unreadable or empty key log: one line, exit 2, nothing of its content', () => {
    const missing = run(caps['TLSv1.3'].pcap, '--tls-keylog', join(dir, 'nope.txt'));
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const junk = join(dir, 'junk.txt');
    writeFileSync(junk, 'CLIENT_RANDOM zz not-hex\nhello world\n');
    const bad = run('messages', caps['TLSv1.3'].pcap, '--tls-keylog', junk);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^vim-analyse: TLS key log .* holds no key log line/);
    expect(bad.stderr).not.toContain('hello world');
  });
});
