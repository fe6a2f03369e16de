/**
 * Damaged TLS captures: a real TLS 1.3 and TLS 1.2 session (captured here) with bytes
 * flipped, cut or repeated, analysed with their key logs. Nothing throws; a record that
 * no longer authenticates is counted, and no HTTP exchange is ever made from bytes that did
 * not authenticate: every message listed is one that was sent.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseWithMessages, listMessages } from '../../src/pipeline/analyse.js';
import { seededRandom } from '../../src/diagnosis/statistics.js';
import { captureTlsSession, Netns, type TlsCapture } from '../helpers/tlsCapture.js';

const variants = 60;
const sent = new Set(['POST /v2.1/servers', 'GET /v2.1/servers/{id}', 'GET /v2.1/flavors']);

describe('damaged TLS captures with their key logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h25-tlsdmg-'));
  const ns = new Netns('dmg');
  const caps: TlsCapture[] = [];
  afterAll(() => {
    ns.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    for (const [v, cipher, port] of [
      ['TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256', 8774],
      ['TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', 8775],
    ] as const) {
      mkdirSync(join(dir, v));
      caps.push(await captureTlsSession(ns, join(dir, v), dir, v, cipher, port));
    }
  }, 60_000);

  it(`${variants} variants each: no throw, failures counted, only messages that were sent`, async () => {
    const r = seededRandom(25);
    let failedRecords = 0;
    for (const c of caps) {
      const clean = readFileSync(c.pcap);
      for (let i = 0; i < variants; i++) {
        const b = Buffer.from(clean);
        // Past the pcap header; flip bytes, or cut the file, or repeat a slice of it.
        const at = 24 + Math.floor(r() * (b.length - 24));
        const kind = i % 3;
        let damaged: Buffer = b;
        if (kind === 0)
          for (let k = 0; k < 1 + (i % 5); k++) b[24 + Math.floor(r() * (b.length - 24))] ^= 1 << Math.floor(r() * 8);
        else if (kind === 1) damaged = b.subarray(0, at);
        else damaged = Buffer.concat([b.subarray(0, at), b.subarray(at - Math.min(at - 24, 200), at), b.subarray(at)]);
        const file = join(dir, `v${i}.pcap`);
        writeFileSync(file, damaged);
        const out = await analyseWithMessages(file, { tlsKeyLogFile: c.keylog });
        for (const m of out.messages) {
          expect(sent.has(m.name), m.name).toBe(true);
          expect([200, 202, undefined]).toContain(m.status);
        }
        failedRecords += out.result.counters.protocols.tls?.recordsFailed ?? 0;
      }
    }
    // Flipped bits inside protected records are caught by their tags.
    expect(failedRecords).toBeGreaterThan(0);
    expect(await listMessages(caps[0].pcap, { tlsKeyLogFile: caps[0].keylog })).toHaveLength(3);
  }, 120_000);
});
