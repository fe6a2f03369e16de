/**
 * The NSS key log format (what SSLKEYLOGFILE makes OpenSSL, Python's ssl, curl and Go's
 * KeyLogWriter write): `LABEL <client random hex> <secret hex>` per line, `#` comments.
 * The secrets are kept out of every printable form: `toJSON` and `inspect` give counts only.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { UnusableInputError } from '../../capture/types.js';

export type KeyLogLabel =
  | 'CLIENT_RANDOM'
  | 'CLIENT_HANDSHAKE_TRAFFIC_SECRET'
  | 'SERVER_HANDSHAKE_TRAFFIC_SECRET'
  | 'CLIENT_TRAFFIC_SECRET_0'
  | 'SERVER_TRAFFIC_SECRET_0'
  | 'CLIENT_EARLY_TRAFFIC_SECRET'
  | 'EARLY_EXPORTER_SECRET'
  | 'EXPORTER_SECRET';

const labels: ReadonlySet<string> = new Set<KeyLogLabel>([
  'CLIENT_RANDOM',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
  'CLIENT_EARLY_TRAFFIC_SECRET',
  'EARLY_EXPORTER_SECRET',
  'EXPORTER_SECRET',
]);

/** A key log larger than this is refused (a busy host writes ~500 bytes per connection). */
export const maxKeyLogBytes = 256 * 1024 * 1024;

export class TlsKeyLog {
  private readonly secrets = new Map<string, Buffer>();
  /** Lines read, secrets kept, lines not understood (malformed or of an unknown label). */
  readonly counts = { lines: 0, secrets: 0, malformed: 0, unknownLabel: 0 };

  static parse(text: string): TlsKeyLog {
    const log = new TlsKeyLog();
    for (const raw of text.split('\n')) log.line(raw);
    return log;
  }

  private line(raw: string): void {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    this.counts.lines++;
    const parts = line.split(/\s+/);
    if (parts.length !== 3) return void this.counts.malformed++;
    const [label, random, secret] = parts;
    if (!labels.has(label)) return void this.counts.unknownLabel++;
    if (!/^[0-9a-fA-F]{64}$/.test(random) || !/^(?:[0-9a-fA-F]{2}){16,64}$/.test(secret))
      return void this.counts.malformed++;
    const key = `${label} ${random.toLowerCase()}`;
    if (!this.secrets.has(key)) this.counts.secrets++;
    this.secrets.set(key, Buffer.from(secret, 'hex'));
  }

  /** The secret of this label for the connection whose ClientHello carried `clientRandom`. */
  get(label: KeyLogLabel, clientRandom: Uint8Array): Buffer | undefined {
    return this.secrets.get(`${label} ${Buffer.from(clientRandom).toString('hex')}`);
  }

  get size(): number {
    return this.secrets.size;
  }

  toJSON(): object {
    return { ...this.counts };
  }

  [inspect.custom](): string {
    return `TlsKeyLog { ${this.counts.secrets} secrets }`;
  }
}

/** Reads a key log file; the error names the file and the problem, never its content. */
export function readTlsKeyLog(path: string): TlsKeyLog {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new UnusableInputError(`cannot read TLS key log ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (buf.length > maxKeyLogBytes)
    throw new UnusableInputError(`TLS key log ${path} is larger than ${maxKeyLogBytes} bytes`);
  const log = TlsKeyLog.parse(buf.toString('latin1'));
  if (log.size === 0)
    throw new UnusableInputError(
      `TLS key log ${path} holds no key log line (NSS format: LABEL <client random> <secret>)`,
    );
  return log;
}
