/**
 * Decryption of real TLS sessions made here: Node's TLS (OpenSSL) server and client in a
 * namespace of their own, captured by tcpdump, TLS 1.2 and 1.3 with each AEAD cipher.
 * What the parser opens must be byte for byte what each side wrote; tshark, given the
 * same key logs, must find the same HTTP requests (all sessions in one tshark pass); a wrong
 * key log opens nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reassembleTcp } from '../../../src/net/reassembleTcp.js';
import type { Direction, StreamHandler } from '../../../src/net/types.js';
import { HttpConnectionParser } from '../../../src/protocols/http/parser.js';
import { TlsKeyLog, readTlsKeyLog } from '../../../src/protocols/tls/keyLog.js';
import { TlsConnectionParser } from '../../../src/protocols/tls/tlsConnectionParser.js';
import type { TlsConnectionSummary } from '../../../src/protocols/tls/types.js';
import { defaultProtocolLimits, type HttpExchange, type ProtocolContext } from '../../../src/protocols/types.js';
import { captureTlsSession, Netns, type TlsCapture } from '../../helpers/tlsCapture.js';
import { tshark, tsharkTlsArgs } from '../../helpers/tshark.js';

const cases = [
  ['TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
  ['TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
  ['TLSv1.2', 'ECDHE-RSA-CHACHA20-POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  ['TLSv1.2', 'AES128-GCM-SHA256', 'TLS_RSA_WITH_AES_128_GCM_SHA256'],
  ['TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
  ['TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'],
  ['TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
] as const;

interface Opened {
  plaintext: [string, string];
  exchanges: HttpExchange[];
  summaries: TlsConnectionSummary[];
  counters: ProtocolContext['counters'];
}

/** Runs the capture through the TLS parser; the inner handler records the plaintext and parses HTTP. */
async function open(pcap: string, keyLog: TlsKeyLog | null, chunk = 0): Promise<Opened> {
  const ctx: ProtocolContext = { counters: {}, warn: () => {}, limits: defaultProtocolLimits };
  const plaintext: [string, string] = ['', ''];
  const exchanges: HttpExchange[] = [];
  const summaries: TlsConnectionSummary[] = [];
  await reassembleTcp(pcap, (conn) => {
    const p = new TlsConnectionParser(conn, ctx, keyLog, () => {
      const http = new HttpConnectionParser(conn, (ex) => exchanges.push(ex), ctx);
      const recorder: StreamHandler = {
        data: (dir: Direction, b: Uint8Array, ts: number) => {
          plaintext[dir] += Buffer.from(b).toString('latin1');
          http.data(dir, b, ts);
        },
        gap: (dir, n, ts) => http.gap(dir, n, ts),
        end: (dir, ts, r) => http.end(dir, ts, r),
      };
      return recorder;
    });
    summaries.push(p.summary);
    if (!chunk) return p;
    // Records straddling chunks (the copy path): every chunk cut into `chunk`-byte pieces.
    return {
      data: (dir: Direction, b: Uint8Array, ts: number) => {
        for (let o = 0; o < b.length; o += chunk) p.data(dir, b.subarray(o, o + chunk), ts);
      },
      gap: (dir: Direction, n: number, ts: number) => p.gap(dir, n, ts),
      end: (dir: Direction, ts: number, r: Parameters<StreamHandler['end']>[2]) => p.end(dir, ts, r),
    };
  });
  return { plaintext, exchanges, summaries, counters: ctx.counters };
}

/** The same key log with every secret's bytes changed (same client randoms). */
function corrupted(keylog: string): TlsKeyLog {
  const text = readFileSync(keylog, 'latin1').replace(
    /^(\S+ \S+ )(\S+)$/gm,
    (_, head: string, secret: string) =>
      head + [...secret].map((c) => ((parseInt(c, 16) + 1) % 16).toString(16)).join(''),
  );
  return TlsKeyLog.parse(text);
}

describe('TLS decryption of real sessions (Node/OpenSSL peers in a namespace, tcpdump)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h25-tls-'));
  const ns = new Netns('tls');
  const captures = new Map<string, TlsCapture>();
  afterAll(() => {
    ns.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    let port = 8774;
    for (const [version, cipher] of cases) {
      const d = join(dir, cipher);
      mkdirSync(d);
      captures.set(cipher, await captureTlsSession(ns, d, dir, version, cipher, port++));
    }
  }, 120_000);

  /**
   * tshark's requests per server port, for all the sessions in one pass (a tshark start-up costs
   * more CPU than the reading): their captures merged by mergecap, their key logs joined.
   */
  let requestsByPort: Map<number, string[][]> | undefined;
  const tsharkRequests = (): Map<number, string[][]> => {
    if (requestsByPort) return requestsByPort;
    const all = [...captures.values()];
    const pcap = join(dir, 'all.pcap'),
      keylog = join(dir, 'all-keylog.txt');
    execFileSync('mergecap', ['-F', 'pcap', '-w', pcap, ...all.map((c) => c.pcap)]);
    writeFileSync(keylog, all.map((c) => readFileSync(c.keylog, 'utf8')).join(''));
    const out = execFileSync(
      tshark,
      [
        '-r',
        pcap,
        ...tsharkTlsArgs(
          keylog,
          all.map((c) => c.port),
        ),
        '-Y',
        'http.request',
        ...['-T', 'fields', '-e', 'tcp.dstport', '-e', 'http.request.method', '-e', 'http.request.uri'],
      ],
      { encoding: 'utf8' },
    );
    requestsByPort = new Map();
    for (const [port, ...request] of out
      .trim()
      .split('\n')
      .map((l) => l.split('\t')))
      requestsByPort.set(Number(port), [...(requestsByPort.get(Number(port)) ?? []), request]);
    return requestsByPort;
  };

  for (const [version, cipher, standard] of cases) {
    describe(`${version} ${standard}`, () => {
      it('negotiated what was asked for', () => {
        const c = captures.get(cipher)!;
        expect(c.negotiated).toEqual({ protocol: version, cipher: standard });
      });

      it('opens every record: the plaintext equals what each side wrote, and HTTP parses from it', async () => {
        const c = captures.get(cipher)!;
        const o = await open(c.pcap, readTlsKeyLog(c.keylog));
        expect(o.summaries).toHaveLength(1);
        const s = o.summaries[0];
        expect(s).toMatchObject({
          serverName: 'nova.example',
          version: version.replace('v', ' '),
          cipherSuite: standard,
          decrypted: true,
        });
        expect(s.records.failed).toBe(0);
        expect(s.records.undecrypted).toBe(0);
        expect(s.records.decrypted).toBeGreaterThanOrEqual(6);
        expect(o.plaintext[0]).toBe(c.sent.client);
        expect(o.plaintext[1]).toBe(c.sent.server);
        expect(
          o.exchanges.map((e) => [e.request.method, e.request.target, e.response?.status, e.response?.bodyLength]),
        ).toEqual([
          ['POST', '/v2.1/servers', 202, 12],
          ['GET', '/v2.1/servers/abc', 200, 40_000],
          ['GET', '/v2.1/flavors', 200, 2],
        ]);
      });

      it('the same when every record straddles chunks (7-byte pieces)', async () => {
        const c = captures.get(cipher)!;
        const o = await open(c.pcap, readTlsKeyLog(c.keylog), 7);
        expect(o.summaries[0].decrypted).toBe(true);
        expect(o.plaintext[0]).toBe(c.sent.client);
        expect(o.plaintext[1]).toBe(c.sent.server);
      });

      it('tshark, given the same key log, finds the same requests', () => {
        const c = captures.get(cipher)!;
        expect(tsharkRequests().get(c.port)).toEqual([
          ['POST', '/v2.1/servers'],
          ['GET', '/v2.1/servers/abc'],
          ['GET', '/v2.1/flavors'],
        ]);
      });

      it('with a wrong key log: counted failures and nothing passed on', async () => {
        const c = captures.get(cipher)!;
        const o = await open(c.pcap, corrupted(c.keylog));
        const s = o.summaries[0];
        expect(s.decrypted).toBe(false);
        expect(s.reason).toBe("records did not authenticate with the key log's secrets");
        expect(s.records.decrypted).toBe(0);
        expect(s.records.failed).toBeGreaterThanOrEqual(4);
        expect(o.plaintext).toEqual(['', '']);
        expect(o.exchanges).toEqual([]);
      });

      it('without a key log: the server name and version, the records counted as encrypted', async () => {
        const c = captures.get(cipher)!;
        const o = await open(c.pcap, null);
        const s = o.summaries[0];
        expect(s).toMatchObject({
          serverName: 'nova.example',
          version: version.replace('v', ' '),
          decrypted: false,
          reason: 'no key log given',
        });
        expect(s.records.undecrypted).toBeGreaterThanOrEqual(4);
        expect(s.applicationBytes[0]).toBeGreaterThan(c.sent.client.length);
        expect(s.applicationBytes[1]).toBeGreaterThan(c.sent.server.length);
        expect(o.plaintext).toEqual(['', '']);
      });
    });
  }
});
