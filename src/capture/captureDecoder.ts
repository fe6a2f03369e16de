/**
 * Detects the file format from its first four bytes and hands everything to the right
 * decoder. Input must already be decompressed (see readCapture for gzip).
 */
import { u32, hex } from './byteReader.js';
import { PcapDecoder, pcapMagics } from './pcapDecoder.js';
import { PcapngDecoder, pcapngBlockTypes } from './pcapngDecoder.js';
import { SessionClock } from './sessionClock.js';
import {
  UnusableInputError,
  type CaptureDecoder,
  type CaptureSummary,
  type CaptureWarning,
  type PacketRecord,
} from './types.js';

export function emptySummary(): CaptureSummary {
  return {
    format: 'unknown',
    gzip: false,
    littleEndian: true,
    tsPrecision: 0,
    interfaces: [],
    sections: 0,
    packets: 0,
    capturedBytes: 0,
    fileBytes: 0,
    firstTs: null,
    lastTs: null,
    counters: { skippedBlocks: 0, badRecords: 0, truncated: 0, skippedBytes: 0, capturedOverWire: 0, fcsStripped: 0 },
  };
}

export type CaptureKind = 'pcap' | 'pcapng';

/** Which format these first bytes start, or null. */
export function detectCaptureKind(head: Uint8Array): CaptureKind | null {
  if (head.length < 4) return null;
  const m = u32(head, 0, false);
  if (pcapMagics.has(m)) return 'pcap';
  if (m === pcapngBlockTypes.sectionHeader) return 'pcapng';
  return null;
}

export class AutoCaptureDecoder implements CaptureDecoder {
  readonly summary = emptySummary();
  private inner: PcapDecoder | PcapngDecoder | null = null;
  private head: Uint8Array | null = null;

  constructor(
    private readonly clock: SessionClock,
    private readonly onRecord: (r: PacketRecord) => void,
    private readonly warn: (w: CaptureWarning) => void,
    private readonly name = 'input',
  ) {}

  /** Throws UnusableInputError if the first bytes are not a capture. */
  feed(chunk: Uint8Array): void {
    this.summary.fileBytes += chunk.length;
    if (!this.inner) {
      const head = this.head ? concat(this.head, chunk) : chunk;
      if (head.length < 4) {
        this.head = head.slice();
        return;
      }
      this.head = null;
      const kind = detectCaptureKind(head);
      if (!kind)
        throw new UnusableInputError(`${this.name}: not a pcap or pcapng capture (it starts with ${hex(head)})`);
      this.inner =
        kind === 'pcap'
          ? new PcapDecoder(this.summary, this.clock, this.onRecord, this.warn)
          : new PcapngDecoder(this.summary, this.clock, this.onRecord, this.warn);
      this.inner.feed(head);
      return;
    }
    this.inner.feed(chunk);
  }

  end(): void {
    if (!this.inner) {
      const s = this.summary;
      throw new UnusableInputError(
        s.gzip && s.fileBytes === 0
          ? `${this.name}: gzip stream ${s.counters.truncated ? 'cut short or damaged' : 'empty'} before any ` +
              `capture bytes`
          : s.fileBytes === 0
            ? `${this.name}: empty input, not a capture`
            : `${this.name}: too short to be a capture (${s.fileBytes}${s.gzip ? ' decompressed' : ''} bytes)`,
      );
    }
    this.inner.end();
    if (!this.inner.headerComplete) {
      throw new UnusableInputError(
        `${this.name}: ${this.summary.format} file header cut short (${this.summary.fileBytes} bytes)`,
      );
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const r = new Uint8Array(a.length + b.length);
  r.set(a);
  r.set(b, a.length);
  return r;
}
