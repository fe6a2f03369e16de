/**
 * Writes packet records as pcapng (one section, one interface, nanosecond timestamps):
 * `live --write FILE.pcapng` keeps exactly what was analysed, for offline re-analysis.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { PacketRecord } from '../capture/types.js';
import type { SessionClock } from '../capture/sessionClock.js';

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

  constructor(path: string, private readonly clock: SessionClock, private readonly linkType: () => number, private readonly snaplen = 262144) {
    this.out = createWriteStream(path);
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
