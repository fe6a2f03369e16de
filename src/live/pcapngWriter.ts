/**
 * Writes packet records as pcapng (one section, one interface, nanosecond timestamps):
 * `live --write FILE.pcapng` keeps exactly what was analysed, for offline re-analysis.
 */
import { closeSync, constants, createWriteStream, openSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { PacketRecord } from '../capture/types.js';
import type { SessionClock } from '../capture/sessionClock.js';
import { LiveCaptureError } from './types.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW } = constants;

/** Why an output file could not be opened, in a few words (errno → text). */
const openErrors: Readonly<Record<string, string>> = {
  EEXIST: 'exists (--force replaces it)',
  ELOOP: 'is a symbolic link (not followed)',
  ENOENT: 'no such directory',
  ENOTDIR: 'no such directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
};

/** Capture never started: the file just made (empty) goes again. */
export function discardCaptureFile(fd: number, path: string): void {
  closeSync(fd);
  rmSync(path, { force: true });
}

/**
 * Open the capture file before capturing: a bad path is one line and exit 2, not a
 * stack trace later. Never through a symbolic link (live runs as root) and, without
 * `force`, never over an existing file. Captures hold private traffic: mode 0600.
 */
export function openCaptureFile(path: string, force = false): number {
  try {
    return openSync(path, O_WRONLY | O_CREAT | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL), 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new LiveCaptureError(`--write ${path}: ${openErrors[code] ?? (e as Error).message}`);
  }
}

function block(type: number, body: Buffer): Buffer {
  const len = 12 + body.length + ((4 - (body.length % 4)) % 4);
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}

export class PcapngWriter {
  private readonly out: WriteStream;
  private started = false;
  packets = 0;

  /** `fd`: from openCaptureFile. */
  constructor(
    fd: number,
    private readonly clock: SessionClock,
    private readonly linkType: () => number,
    private readonly snaplen = 262144,
  ) {
    this.out = createWriteStream('', { fd });
  }

  private header(): void {
    const shb = Buffer.alloc(16);
    shb.writeUInt32LE(0x1a2b3c4d, 0);
    shb.writeUInt16LE(1, 4);
    shb.writeUInt16LE(0, 6);
    shb.writeBigInt64LE(-1n, 8); // section length unknown
    this.out.write(block(0x0a0d0d0a, shb));
    // IDB with if_tsresol = 9 (nanoseconds), then opt_endofopt.
    const idb = Buffer.alloc(8 + 8 + 4);
    idb.writeUInt16LE(this.linkType(), 0);
    idb.writeUInt32LE(this.snaplen, 4);
    idb.writeUInt16LE(9, 8);
    idb.writeUInt16LE(1, 10);
    idb.writeUInt8(9, 12);
    this.out.write(block(1, idb));
    this.started = true;
  }

  write(r: PacketRecord): void {
    if (!this.started) this.header();
    const abs = this.clock.absoluteNs(r.ts);
    const body = Buffer.alloc(20 + r.bytes.length);
    body.writeUInt32LE(0, 0);
    body.writeUInt32LE(Number(abs >> 32n), 4);
    body.writeUInt32LE(Number(abs & 0xffffffffn), 8);
    body.writeUInt32LE(r.bytes.length, 12);
    body.writeUInt32LE(r.origLen, 16);
    body.set(r.bytes, 20);
    this.out.write(block(6, body));
    this.packets++;
  }

  async close(): Promise<void> {
    if (!this.started) this.header();
    this.out.end();
    await once(this.out, 'finish');
  }
}
