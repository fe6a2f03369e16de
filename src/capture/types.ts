/**
 * Capture stage: bytes of a capture file (or live capture) → packet records.
 *
 * A record (the object and its `bytes`, a view into the reader's current chunk) is valid
 * only until the callback returns: readers refill one object per packet. A consumer that
 * keeps a record past that copies what it needs.
 */

/** One captured frame. */
export interface PacketRecord {
  /** Capture timestamp, integer nanoseconds since the session epoch (see SessionClock). */
  ts: number;
  /** LINKTYPE_* value of the interface that captured it. */
  linkType: number;
  /** Captured bytes (possibly shorter than origLen when snaplen cut it). */
  readonly bytes: Uint8Array;
  /** Length of the frame on the wire. */
  origLen: number;
  /** Interface index within the capture (pcapng IDB order; 0 for classic pcap). */
  iface: number;
  /** 1-based frame number within its capture file (as tshark numbers them). */
  frame: number;
}

export type CaptureFormat = 'pcap' | 'pcapng' | 'live';

export interface CaptureInterface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (1e6 for µs, 1e9 for ns, …). */
  tsUnitsPerSec: number;
  name?: string;
  /** Bytes of frame check sequence at the end of each frame, when the file says (removed before decoding). */
  fcsBytes?: number;
}

/** What a reader learnt about the file, filled in while reading. */
export interface CaptureSummary {
  format: CaptureFormat | 'unknown';
  gzip: boolean;
  /** Byte order of the (last) section header. */
  littleEndian: boolean;
  /** Finest timestamp resolution seen, in digits after the second (6 = µs, 9 = ns). */
  tsPrecision: number;
  interfaces: CaptureInterface[];
  sections: number;
  packets: number;
  /** Sum of captured bytes of all records. */
  capturedBytes: number;
  /** Bytes of the (decompressed) file consumed. */
  fileBytes: number;
  /** Relative ns of the earliest and latest record (records may go back in time). */
  firstTs: number | null;
  lastTs: number | null;
  /** The same two times as exact Unix ns (relative ns in a double are exact for 104 days only). */
  firstNs?: bigint;
  lastNs?: bigint;
  counters: CaptureCounters;
}

export interface CaptureCounters {
  /** pcapng blocks skipped because their type is not one we read. */
  skippedBlocks: number;
  /** Damaged record headers or blocks (impossible lengths), each the start of a resynchronisation. */
  badRecords: number;
  /** Set when the file ended inside a record or block. */
  truncated: number;
  /** Bytes skipped while scanning past damaged record headers or blocks for the next good one. */
  skippedBytes: number;
  /** Records whose captured length exceeds their length on the wire (some writers do this; read as captured). */
  capturedOverWire: number;
  /** Frames whose trailing FCS was removed (pcap link-type FCS bits, pcapng if_fcslen). */
  fcsStripped: number;
}

export interface CaptureWarning {
  stage: 'capture';
  /** Byte offset in the (decompressed) file, when known. */
  offset?: number;
  message: string;
}

/** Push-based reader: feed raw bytes (decompressed), receive records. */
export interface CaptureDecoder {
  feed(chunk: Uint8Array): void;
  end(): void;
  readonly summary: CaptureSummary;
}

/** Error for input that is not a capture at all (the CLI maps it to exit code 2). */
export class UnusableInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableInputError';
  }
}
