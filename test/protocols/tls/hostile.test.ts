/**
 * Hostile bytes on a TLS connection: lying lengths, records over the bound, random data,
 * a server name with control characters. Counted and bounded, never thrown.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../../src/net/types.js';
import { parseClientHello } from '../../../src/protocols/tls/handshake.js';
import { TlsKeyLog } from '../../../src/protocols/tls/keyLog.js';
import { TlsConnectionParser } from '../../../src/protocols/tls/tlsConnectionParser.js';
import { defaultProtocolLimits, type ProtocolContext } from '../../../src/protocols/types.js';
import { inspect } from 'node:util';

const conn: ConnectionInfo = {
  id: 0,
  client: { ip: '10.0.0.1', port: 40000 },
  server: { ip: '10.0.0.2', port: 8774 },
  sawSyn: true,
  startTs: 0,
};
const record = (type: number, body: Uint8Array) =>
  Buffer.concat([Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff]), body]);
const handshake = (type: number, body: Uint8Array) =>
  Buffer.concat([Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);

/** A ClientHello with one server name (RFC 6066) and nothing else. */
function clientHello(name: Uint8Array): Buffer {
  // extension: type(2) len(2), then list len(2) type(1) name len(2) name
  const ext = Buffer.concat([
    Buffer.from([
      0,
      0,
      (name.length + 5) >> 8,
      (name.length + 5) & 0xff,
      (name.length + 3) >> 8,
      (name.length + 3) & 0xff,
      0,
      name.length >> 8,
      name.length & 0xff,
    ]),
    name,
  ]);
  return Buffer.concat([
    Buffer.from([3, 3]),
    randomBytes(32),
    Buffer.from([0, 0, 2, 0x13, 0x01, 1, 0, ext.length >> 8, ext.length & 0xff]),
    ext,
  ]);
}

function parser(keyLog: TlsKeyLog | null = null) {
  const warnings: string[] = [];
  const ctx: ProtocolContext = { counters: {}, warn: (w) => warnings.push(w.message), limits: defaultProtocolLimits };
  let inner = 0;
  const p = new TlsConnectionParser(conn, ctx, keyLog, () => ({
    data: () => void inner++,
    gap: () => {},
    end: () => {},
  }));
  return { p, ctx, warnings, inner: () => inner };
}

describe('TLS parser on hostile input', () => {
  it('reads the server name, escaping anything that is not a host name character', () => {
    expect(parseClientHello(clientHello(Buffer.from('nova.example')))?.serverName).toBe('nova.example');
    expect(parseClientHello(clientHello(Buffer.from('a\x1b[31mb\n')))?.serverName).toBe('a\\x1b\\x5b31mb\\x0a');
  });

  it('a hello whose lengths lie is counted as malformed', () => {
    const good = clientHello(Buffer.from('x'));
    const lying = Buffer.from(good);
    lying[2 + 32 + 1 + 1] = 0xff; // cipher suites length past the end
    const { p, ctx } = parser();
    p.data(0, record(22, handshake(1, lying)), 1);
    expect(ctx.counters.tls.malformedHello).toBe(1);
    expect(p.summary.serverName).toBeNull();
  });

  it('a record longer than TLS allows loses framing on that side only, with a warning', () => {
    const { p, ctx, warnings } = parser();
    p.data(0, Buffer.from([23, 3, 3, 0xff, 0xff, 1, 2, 3]), 1);
    expect(ctx.counters.tls.framingLost).toBe(1);
    expect(warnings[0]).toMatch(/not a TLS record header client → server/);
    p.data(1, record(21, Buffer.from([1, 0])), 2);
    expect(p.summary.records.plain).toBe(1);
  });

  it('random bytes and records never throw, and nothing reaches the inner parser without keys', () => {
    for (let i = 0; i < 300; i++) {
      const { p, inner } = parser(TlsKeyLog.parse(`CLIENT_RANDOM ${'00'.repeat(32)} ${'11'.repeat(48)}`));
      const b = randomBytes(8 + (i % 7) * 300);
      if (i % 2) b.set([22, 3, 3, 0, 40], 0);
      expect(() => {
        p.data(0, b, 1);
        p.data(1, record(23, randomBytes(64)), 2);
        p.gap(0, 10, 3);
        p.end(0, 4, 'fin');
        p.end(1, 4, 'fin');
      }).not.toThrow();
      expect(inner()).toBe(0);
    }
  });

  it('the key log shows counts, never secrets, in JSON and inspect', () => {
    const log = TlsKeyLog.parse(
      `# c\nCLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}\nBOGUS x y\nCLIENT_RANDOM short 00\n`,
    );
    expect(log.counts).toEqual({ lines: 3, secrets: 1, malformed: 1, unknownLabel: 1 });
    expect(JSON.stringify(log)).not.toContain('cdcd');
    expect(inspect(log)).not.toContain('cdcd');
  });
});
