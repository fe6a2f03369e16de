/**
 * A TLS connection: frames each direction's records (bounded), reads the hellos (server
 * name, version, cipher suite, randoms) and, given a key log holding this connection's
 * secrets, opens the protected records and hands the application data to an inner
 * handler (the same HTTP/AMQP parsers as for plain connections). A record that cannot be
 * opened is counted and never passed on; after one fails, its direction is given up,
 * since the sequence numbers that follow cannot be trusted.
 */
import type { ConnectionInfo, Direction, EndReason, StreamHandler } from '../../net/types.js';
import { endpointText } from '../../net/ipPacket.js';
import { count, type ProtocolContext } from '../types.js';
import {
  cipherSuiteName,
  cipherSuites,
  ContentType,
  HandshakeType,
  maxRecordBytes,
  recordHeaderBytes,
  versionName,
  type CipherSuite,
} from './constants.js';
import {
  HandshakeWalker,
  parseClientHello,
  parseServerHello,
  type ClientHello,
  type ServerHello,
} from './handshake.js';
import type { KeyLogLabel, TlsKeyLog } from './keyLog.js';
import { tls12Keys, tls13Keys, tls13NextSecret } from './keySchedule.js';
import { RecordCipher } from './recordCipher.js';
import type { TlsConnectionSummary, TlsUndecryptedReason } from './types.js';

const tls13 = 0x0304;

/** Traffic secrets of TLS 1.3 per direction: handshake, then application. */
const trafficLabels: Record<Direction, [KeyLogLabel, KeyLogLabel]> = {
  0: ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0'],
  1: ['SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0'],
};

interface Side {
  /** The record header being read, and the record's bytes when it straddles chunks. */
  head: Uint8Array;
  buf: Uint8Array | null;
  have: number;
  /** Time of the chunk holding the current record's first byte. */
  recordTs: number;
  /** Records from here on are protected (TLS 1.2 after ChangeCipherSpec, TLS 1.3 after ServerHello). */
  protected: boolean;
  cipher: RecordCipher | null;
  /** TLS 1.3: the current traffic secret (for KeyUpdate) and whether it is the application one. */
  secret: Buffer | null;
  application: boolean;
  dead: TlsUndecryptedReason | null;
  /** Record boundaries lost (a gap, a bad header): the rest of this direction is skipped. */
  lost: boolean;
  walker: HandshakeWalker;
}

export class TlsConnectionParser implements StreamHandler {
  readonly summary: TlsConnectionSummary;
  private readonly sides: [Side, Side];
  private clientHello: ClientHello | null = null;
  private serverHello: ServerHello | null = null;
  private suite: CipherSuite | null = null;
  private inner: StreamHandler | null | undefined;

  constructor(
    private readonly conn: ConnectionInfo,
    private readonly ctx: ProtocolContext,
    private readonly keyLog: TlsKeyLog | null,
    private readonly makeInner: () => StreamHandler | null,
  ) {
    this.summary = {
      conn: conn.id,
      client: endpointText(conn.client.ip, conn.client.port),
      server: endpointText(conn.server.ip, conn.server.port),
      serverName: null,
      version: null,
      cipherSuite: null,
      decrypted: false,
      records: { plain: 0, decrypted: 0, failed: 0, undecrypted: 0 },
      applicationBytes: [0, 0],
      firstApplicationTs: null,
      lastApplicationTs: null,
    };
    const side = (dir: Direction): Side => ({
      head: new Uint8Array(recordHeaderBytes),
      buf: null,
      have: 0,
      recordTs: 0,
      protected: false,
      cipher: null,
      secret: null,
      application: false,
      dead: null,
      lost: false,
      walker: new HandshakeWalker((type, body) => this.handshakeMessage(dir, type, body)),
    });
    this.sides = [side(0), side(1)];
    if (!conn.sawSyn) this.sides.forEach((s) => (s.dead = 'handshake not captured'));
    count(ctx.counters, 'tls', 'connections');
  }

  /**
   * A record wholly inside a chunk is read in place; only one that straddles chunks is
   * copied, into a buffer of its own size that lives until it completes.
   */
  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    const s = this.sides[dir];
    if (s.lost) return;
    let o = 0;
    while (o < bytes.length) {
      if (s.have === 0) {
        s.recordTs = ts;
        if (bytes.length - o >= recordHeaderBytes) {
          if (!this.validHeader(bytes, o)) return this.loseFraming(dir, ts);
          const total = recordHeaderBytes + ((bytes[o + 3] << 8) | bytes[o + 4]);
          if (bytes.length - o >= total) {
            this.record(
              dir,
              bytes.subarray(o, o + recordHeaderBytes),
              bytes.subarray(o + recordHeaderBytes, o + total),
              ts,
              ts,
            );
            o += total;
            continue;
          }
        }
      }
      if (s.have < recordHeaderBytes) {
        const n = Math.min(recordHeaderBytes - s.have, bytes.length - o);
        s.head.set(bytes.subarray(o, o + n), s.have);
        s.have += n;
        o += n;
        if (s.have < recordHeaderBytes) break;
        if (!this.validHeader(s.head, 0)) return this.loseFraming(dir, ts);
        s.buf = new Uint8Array(recordHeaderBytes + ((s.head[3] << 8) | s.head[4]));
        s.buf.set(s.head);
      }
      const buf = s.buf!;
      const n = Math.min(buf.length - s.have, bytes.length - o);
      buf.set(bytes.subarray(o, o + n), s.have);
      s.have += n;
      o += n;
      if (s.have === buf.length) {
        s.have = 0;
        s.buf = null;
        this.record(dir, buf.subarray(0, recordHeaderBytes), buf.subarray(recordHeaderBytes), s.recordTs, ts);
      }
    }
  }

  private validHeader(b: Uint8Array, o: number): boolean {
    const len = (b[o + 3] << 8) | b[o + 4];
    return b[o] >= 20 && b[o] <= 23 && b[o + 1] === 3 && len > 0 && len <= maxRecordBytes;
  }

  private loseFraming(dir: Direction, ts: number): void {
    const s = this.sides[dir];
    s.lost = true;
    s.buf = null;
    s.dead ??= 'record framing lost';
    count(this.ctx.counters, 'tls', 'framingLost');
    this.ctx.warn({
      stage: 'protocols',
      protocol: 'tls',
      conn: this.conn.id,
      ts,
      message:
        `not a TLS record header ${dir === 0 ? 'client → server' : 'server → client'}; rest of that ` +
        `direction skipped`,
    });
    this.inner?.gap(dir, -1, ts);
  }

  private record(dir: Direction, header: Uint8Array, body: Uint8Array, firstTs: number, lastTs: number): void {
    const s = this.sides[dir];
    const type = header[0];
    count(this.ctx.counters, 'tls', 'records');
    if (type === ContentType.changeCipherSpec) {
      this.summary.records.plain++;
      // TLS 1.3 sends it only for middleboxes; in TLS 1.2 it starts protection.
      if (this.version() !== tls13) this.startTls12Protection(dir);
      return;
    }
    if (!s.protected) {
      this.summary.records.plain++;
      if (type === ContentType.handshake) s.walker.feed(body);
      else if (type === ContentType.applicationData)
        this.applicationUnopened(dir, body.length, firstTs, lastTs, s.dead ?? 'handshake not captured');
      return;
    }
    if (type === ContentType.applicationData) this.noteApplication(dir, body.length, firstTs, lastTs);
    if (!s.cipher || s.dead) {
      const reason = s.dead ?? this.noKeyReason();
      if (reason === "records did not authenticate with the key log's secrets") this.summary.records.failed++;
      else this.summary.records.undecrypted++;
      if (type === ContentType.applicationData) this.summary.reason ??= reason;
      return;
    }
    const opened = s.cipher.open(header, body);
    if (!opened) {
      this.summary.records.failed++;
      count(this.ctx.counters, 'tls', 'recordsFailed');
      s.dead = "records did not authenticate with the key log's secrets";
      this.summary.reason ??= s.dead;
      this.inner?.gap(dir, -1, firstTs);
      return;
    }
    this.summary.records.decrypted++;
    count(this.ctx.counters, 'tls', 'recordsDecrypted');
    if (opened.type === ContentType.handshake) s.walker.feed(opened.plaintext);
    else if (opened.type === ContentType.applicationData && opened.plaintext.length)
      this.deliver(dir, opened.plaintext, firstTs, lastTs);
    else if (opened.type === ContentType.alert) count(this.ctx.counters, 'tls', 'alerts');
  }

  /**
   * The plaintext's first byte carries the time of the record's first segment and the rest
   * that of its last, so that HTTP first/last byte times are those of the wire.
   */
  private deliver(dir: Direction, plain: Uint8Array, firstTs: number, lastTs: number): void {
    if (this.inner === undefined) this.inner = this.makeInner();
    if (!this.inner) return;
    this.inner.data(dir, plain.subarray(0, 1), firstTs);
    if (plain.length > 1) this.inner.data(dir, plain.subarray(1), lastTs);
  }

  private noteApplication(dir: Direction, n: number, firstTs: number, lastTs: number): void {
    this.summary.applicationBytes[dir] += n;
    this.summary.firstApplicationTs ??= firstTs;
    this.summary.lastApplicationTs = lastTs;
  }

  private applicationUnopened(
    dir: Direction,
    n: number,
    firstTs: number,
    lastTs: number,
    reason: TlsUndecryptedReason,
  ): void {
    this.noteApplication(dir, n, firstTs, lastTs);
    this.summary.records.undecrypted++;
    this.summary.reason ??= reason;
  }

  private version(): number | null {
    return this.serverHello?.version ?? null;
  }

  private noKeyReason(): TlsUndecryptedReason {
    if (!this.keyLog) return 'no key log given';
    if (this.suite && !this.suite.aead) return 'cipher suite not decryptable (not AEAD)';
    if (!this.clientHello || !this.serverHello) return 'handshake not captured';
    return 'no key for this connection in the key log';
  }

  private handshakeMessage(dir: Direction, type: number, body: Uint8Array | null): void {
    if (type === HandshakeType.clientHello && dir === 0 && body) {
      const hello = parseClientHello(body);
      if (!hello) return void count(this.ctx.counters, 'tls', 'malformedHello');
      this.clientHello = hello;
      this.summary.serverName = hello.serverName;
    } else if (type === HandshakeType.serverHello && dir === 1 && body) {
      const hello = parseServerHello(body);
      if (!hello) return void count(this.ctx.counters, 'tls', 'malformedHello');
      if (hello.helloRetry) return;
      this.serverHello = hello;
      this.suite = cipherSuites.get(hello.cipherSuite) ?? null;
      this.summary.version = versionName(hello.version);
      this.summary.cipherSuite = cipherSuiteName(hello.cipherSuite);
      count(this.ctx.counters, 'tls', `version ${this.summary.version}`);
      if (hello.version === tls13) this.startTls13Protection();
    } else if (type === HandshakeType.finished && this.version() === tls13) {
      this.switchTls13(dir, trafficLabels[dir][1]);
    } else if (type === HandshakeType.keyUpdate && this.version() === tls13) {
      const s = this.sides[dir];
      if (s.secret && this.suite) this.setTls13Secret(dir, tls13NextSecret(this.suite, s.secret));
    }
  }

  private usableSuite(): CipherSuite | null {
    return this.keyLog && this.clientHello && this.suite?.aead ? this.suite : null;
  }

  private startTls12Protection(dir: Direction): void {
    const s = this.sides[dir];
    s.protected = true;
    const suite = this.usableSuite();
    if (!suite || !this.serverHello || s.dead) return;
    const master = this.keyLog!.get('CLIENT_RANDOM', this.clientHello!.random);
    if (!master) return;
    const keys = tls12Keys(suite, master, this.clientHello!.random, this.serverHello.random);
    s.cipher = new RecordCipher(suite, keys[dir], false);
  }

  private startTls13Protection(): void {
    for (const dir of [0, 1] as const) {
      this.sides[dir].protected = true;
      this.switchTls13(dir, trafficLabels[dir][0]);
    }
  }

  private switchTls13(dir: Direction, label: KeyLogLabel): void {
    const suite = this.usableSuite();
    const s = this.sides[dir];
    s.application = label === trafficLabels[dir][1];
    if (!suite || s.dead) return void (s.cipher = null);
    const secret = this.keyLog!.get(label, this.clientHello!.random);
    if (!secret) return void (s.cipher = null);
    this.setTls13Secret(dir, secret);
  }

  private setTls13Secret(dir: Direction, secret: Buffer): void {
    const s = this.sides[dir];
    s.secret = secret;
    s.cipher = new RecordCipher(this.suite!, tls13Keys(this.suite!, secret), true);
  }

  gap(dir: Direction, bytes: number, ts: number): void {
    const s = this.sides[dir];
    // Record boundaries are lost with the bytes: this direction cannot be followed further.
    if (!s.lost) count(this.ctx.counters, 'tls', 'gaps');
    s.dead ??= 'record framing lost';
    s.lost = true;
    s.have = 0;
    s.buf = null;
    void bytes;
    this.inner?.gap(dir, -1, ts);
  }

  end(dir: Direction, ts: number, reason: EndReason): void {
    this.finishSummary();
    this.inner?.end(dir, ts, reason);
  }

  private finishSummary(): void {
    const r = this.summary.records;
    this.summary.decrypted =
      r.decrypted > 0 && r.failed === 0 && r.undecrypted === 0 && this.summary.reason === undefined;
  }
}
