/**
 * The plaintext hello messages: a ClientHello's random, offered versions and server name
 * (SNI), a ServerHello's random, chosen version and cipher suite. Every length is checked
 * against what is there; a malformed hello yields null, never an exception.
 */
import { ExtensionType, HandshakeType } from './constants.js';

export interface ClientHello {
  random: Uint8Array;
  /** legacy_version field. */
  version: number;
  serverName: string | null;
  /** supported_versions extension (TLS 1.3 clients). */
  supportedVersions: number[];
}

export interface ServerHello {
  random: Uint8Array;
  /** The negotiated version: supported_versions when present, else the version field. */
  version: number;
  cipherSuite: number;
  /** A HelloRetryRequest (RFC 8446 4.1.3: a ServerHello with this fixed random). */
  helloRetry: boolean;
}

const helloRetryRandom = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
/** Longest server name kept (RFC 6066 host names are at most 255 bytes). */
const maxServerName = 255;

/** A host name as text safe to print: anything but letters, digits and `.-_*` escaped as \\xNN. */
function hostNameText(b: Uint8Array): string {
  let out = '';
  for (const c of b)
    out += /[A-Za-z0-9._*-]/.test(String.fromCharCode(c))
      ? String.fromCharCode(c)
      : `\\x${c.toString(16).padStart(2, '0')}`;
  return out;
}

class Reader {
  constructor(
    private readonly b: Uint8Array,
    public o: number,
    private readonly end: number,
  ) {}
  ok(n: number): boolean {
    return this.o + n <= this.end;
  }
  u8(): number {
    return this.b[this.o++];
  }
  u16(): number {
    const v = (this.b[this.o] << 8) | this.b[this.o + 1];
    this.o += 2;
    return v;
  }
  bytes(n: number): Uint8Array {
    const v = this.b.slice(this.o, this.o + n);
    this.o += n;
    return v;
  }
  skip(n: number): void {
    this.o += n;
  }
}

/** Extensions block: [type, body start, body end] triples, or null when lengths disagree. */
function extensions(r: Reader, b: Uint8Array, end: number): [number, number, number][] | null {
  if (!r.ok(2)) return r.o === end ? [] : null;
  const total = r.u16();
  if (!r.ok(total)) return null;
  const stop = r.o + total;
  const out: [number, number, number][] = [];
  while (r.o + 4 <= stop) {
    const type = r.u16();
    const len = r.u16();
    if (r.o + len > stop) return null;
    out.push([type, r.o, r.o + len]);
    r.skip(len);
  }
  void b;
  return out;
}

/** A ClientHello handshake message body (after its 4-byte header). */
export function parseClientHello(b: Uint8Array): ClientHello | null {
  const r = new Reader(b, 0, b.length);
  if (!r.ok(2 + 32 + 1)) return null;
  const version = r.u16();
  const random = r.bytes(32);
  const sid = r.u8();
  if (!r.ok(sid + 2)) return null;
  r.skip(sid);
  const suites = r.u16();
  if (!r.ok(suites + 1)) return null;
  r.skip(suites);
  const comp = r.u8();
  if (!r.ok(comp)) return null;
  r.skip(comp);
  const exts = extensions(r, b, b.length);
  if (!exts) return null;
  let serverName: string | null = null;
  const supportedVersions: number[] = [];
  for (const [type, s, e] of exts) {
    if (type === ExtensionType.serverName && e - s >= 5) {
      // server_name_list<2>; entry: name_type(1)=0 host_name<2>
      const nameLen = (b[s + 3] << 8) | b[s + 4];
      if (b[s + 2] === 0 && s + 5 + nameLen <= e && nameLen <= maxServerName)
        serverName = hostNameText(b.subarray(s + 5, s + 5 + nameLen));
    } else if (type === ExtensionType.supportedVersions && e - s >= 1) {
      const n = b[s];
      for (let o = s + 1; o + 1 < Math.min(e, s + 1 + n); o += 2) supportedVersions.push((b[o] << 8) | b[o + 1]);
    }
  }
  return { random, version, serverName, supportedVersions };
}

/** A ServerHello handshake message body (after its 4-byte header). */
export function parseServerHello(b: Uint8Array): ServerHello | null {
  const r = new Reader(b, 0, b.length);
  if (!r.ok(2 + 32 + 1)) return null;
  let version = r.u16();
  const random = r.bytes(32);
  const sid = r.u8();
  if (!r.ok(sid + 3)) return null;
  r.skip(sid);
  const cipherSuite = r.u16();
  r.skip(1);
  const exts = extensions(r, b, b.length);
  if (!exts) return null;
  for (const [type, s, e] of exts)
    if (type === ExtensionType.supportedVersions && e - s === 2) version = (b[s] << 8) | b[s + 1];
  return { random, version, cipherSuite, helloRetry: Buffer.from(random).equals(helloRetryRandom) };
}

/**
 * Walks handshake messages across records without keeping their bodies (certificates can
 * be large): only hellos, whose bodies are needed, are copied, within a bound.
 */
export class HandshakeWalker {
  private header = new Uint8Array(4);
  private headerHave = 0;
  private type = 0;
  private remaining = 0;
  private body: Uint8Array | null = null;
  private bodyHave = 0;

  constructor(
    private readonly onMessage: (type: number, body: Uint8Array | null) => void,
    private readonly maxKeptBody = 64 * 1024,
  ) {}

  feed(b: Uint8Array): void {
    let o = 0;
    while (o < b.length) {
      if (this.headerHave < 4) {
        this.header[this.headerHave++] = b[o++];
        if (this.headerHave < 4) continue;
        this.type = this.header[0];
        this.remaining = (this.header[1] << 16) | (this.header[2] << 8) | this.header[3];
        const keep =
          (this.type === HandshakeType.clientHello || this.type === HandshakeType.serverHello) &&
          this.remaining <= this.maxKeptBody;
        this.body = keep ? new Uint8Array(this.remaining) : null;
        this.bodyHave = 0;
        if (this.remaining === 0) this.done();
        continue;
      }
      const n = Math.min(this.remaining, b.length - o);
      if (this.body) this.body.set(b.subarray(o, o + n), this.bodyHave);
      this.bodyHave += n;
      this.remaining -= n;
      o += n;
      if (this.remaining === 0) this.done();
    }
  }

  private done(): void {
    this.headerHave = 0;
    const body = this.body;
    this.body = null;
    this.onMessage(this.type, body);
  }
}
