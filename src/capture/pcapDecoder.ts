/**
 * Classic pcap: 24-byte file header (magic, version, snaplen, link type), then records of
 * a 16-byte header (ts_sec, ts_frac, incl_len, orig_len) and incl_len bytes.
 * Magic a1b2c3d4 = microseconds, a1b23c4d = nanoseconds, in either byte order.
 */
import { FramedDecoder } from './framedDecoder.js';
import { u16, u32 } from './byteReader.js';
import { FrameSlot } from './frameSlot.js';
import type { CaptureSummary, CaptureWarning, PacketRecord } from './types.js';
import type { SessionClock } from './sessionClock.js';

/** Magic numbers as read big-endian from the first 4 bytes → [littleEndian, tsUnitsPerSec]. */
export const pcapMagics: ReadonlyMap<number, [boolean, number]> = new Map([
  [0xa1b2c3d4, [false, 1e6]],
  [0xd4c3b2a1, [true, 1e6]],
  [0xa1b23c4d, [false, 1e9]],
  [0x4d3cb2a1, [true, 1e9]],
]);

/** Largest record we accept (Wireshark's maximum for most link types). */
const maxRecordBytes = 256 * 1024;

/** pcap-savefile(5): the link-type field's low 16 bits; bit 26 says bits 28–31 give the FCS length in 16-bit words. */
const linkTypeMask = 0xffff;
const fcsPresentBit = 0x0400_0000;

export class PcapDecoder extends FramedDecoder {
  private headerDone = false;
  /** The 24-byte file header was read whole (less is no capture at all). */
  get headerComplete(): boolean {
    return this.headerDone;
  }
  private le = false;
  private units = 1e6;
  private linkType = 1;
  private snaplen = 0;
  /** Bytes of FCS at the end of every frame on the wire (0 = none or unknown). */
  private fcsBytes = 0;
  /** Files before version 2.3 put orig_len before incl_len; 2.3 files may (lengthsOrder). */
  private lengthsOrder: LengthsOrder = 'standard';
  private frame = 0;
  private resyncing = false;
  private resyncSkipped = 0;
  /** One record object, refilled per packet (valid during the callback only, like its bytes). */
  private readonly rec = new FrameSlot();

  constructor(
    summary: CaptureSummary,
    private readonly clock: SessionClock,
    private readonly onRecord: (r: PacketRecord) => void,
    warn: (w: CaptureWarning) => void,
  ) {
    super(summary, warn, 'record', 'records');
    summary.format = 'pcap';
  }

  protected parseUnit(b: Uint8Array, p: number, end: number): number {
    if (!this.headerDone) return this.parseFileHeader(b, p, end);
    if (end - p < 16) {
      this.need = 16;
      return 0;
    }
    // The four header words read inline: this runs once per packet, and the shared
    // byte-order helper did not inline here (5% of `info`).
    let sec, frac, incl, orig;
    if (this.le) {
      sec = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
      frac = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
      incl = (b[p + 8] | (b[p + 9] << 8) | (b[p + 10] << 16) | (b[p + 11] << 24)) >>> 0;
      orig = (b[p + 12] | (b[p + 13] << 8) | (b[p + 14] << 16) | (b[p + 15] << 24)) >>> 0;
    } else {
      sec = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
      frac = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
      incl = ((b[p + 8] << 24) | (b[p + 9] << 16) | (b[p + 10] << 8) | b[p + 11]) >>> 0;
      orig = ((b[p + 12] << 24) | (b[p + 13] << 16) | (b[p + 14] << 8) | b[p + 15]) >>> 0;
    }
    if (this.lengthsOrder !== 'standard' && (this.lengthsOrder === 'swapped' || incl > orig))
      [incl, orig] = [orig, incl];
    if (this.resyncing) {
      const found = this.resyncAt(b, p, end, incl, orig, frac);
      if (found >= 0) return found;
    } else if (incl > maxRecordBytes) {
      return this.startResync(incl, orig);
    } else if (frac >= this.units || incl > orig) {
      // Possible (tshark reads such records: some writers put incl_len above orig_len) but
      // odd: taken only if the record after it starts with an ordinary header.
      if (end - p < 16 + incl + 16 && !this.atEof) {
        this.need = 16 + incl + 16;
        return 0;
      }
      // (A writer that sets incl_len above orig_len does so on every record: the next may be odd the same way.)
      if (end - p >= 16 + incl + 16 && !this.possibleAt(b, p + 16 + incl)) return this.startResync(incl, orig);
    }
    if (end - p < 16 + incl) {
      this.need = 16 + incl;
      return 0;
    }
    if (incl > orig) {
      if (this.summary.counters.capturedOverWire++ === 0) {
        this.warn({
          stage: 'capture',
          offset: this.offset,
          message:
            `record ${this.frame + 1} has a captured length (${incl}) above its length on the wire ` +
            `(${orig}); such records are read as captured and counted`,
        });
      }
    }
    let nsec = this.units === 1e9 ? frac : frac * 1000;
    // A fraction of a second or more in the fraction field (some writers): carried into the seconds.
    if (nsec >= 1e9) {
      sec += Math.floor(nsec / 1e9);
      nsec %= 1e9;
    }
    const ts = this.clock.relative(sec, nsec);
    const s = this.summary;
    s.packets++;
    s.capturedBytes += incl;
    this.noteTime(ts, sec, nsec);
    const r = this.rec;
    r.ts = ts;
    r.linkType = this.linkType;
    r.data = b;
    r.start = p + 16;
    r.end = p + 16 + (this.fcsBytes > 0 ? this.withoutFcs(incl, orig) : incl);
    r.origLen = orig;
    r.frame = ++this.frame;
    this.onRecord(r);
    return 16 + incl;
  }

  /** Captured length once the FCS (the last fcsBytes of the frame on the wire) is cut off. */
  private withoutFcs(incl: number, orig: number): number {
    const keep = Math.max(0, Math.min(incl, orig - this.fcsBytes));
    if (keep < incl) this.summary.counters.fcsStripped++;
    return keep;
  }

  /**
   * While resynchronising, a header is taken only if it is strictly plausible (non-empty,
   * captured ≤ wire length, fraction below one second) and so is the header right after its
   * record: a single plausible-looking header inside packet data is common, two in a row are not.
   * Returns 0 when more bytes are needed, 1 to step on, -1 when the header at p is taken.
   */
  /**
   * While resynchronising, a header is taken only if it is ordinary (non-empty, captured ≤
   * wire length ≤ the bound, fraction below one second) and so is the header right after its
   * record: one ordinary-looking header inside packet data is common, two in a row are not.
   * Returns 0 when more bytes are needed, 1 to step on, -1 when the header at p is taken.
   */
  private resyncAt(b: Uint8Array, p: number, end: number, incl: number, orig: number, frac: number): number {
    if (!this.ordinary(incl, orig, frac)) return this.skip();
    if (end - p < 16 + incl + 16) {
      if (!this.atEof) {
        this.need = 16 + incl + 16;
        return 0;
      }
      // At the end of the input only a record that ends exactly there is taken.
      if (end - p !== 16 + incl) return this.skip();
    } else if (!this.ordinaryAt(b, p + 16 + incl)) return this.skip();
    this.resyncing = false;
    this.warn({
      stage: 'capture',
      offset: this.offset,
      message: `resynchronised after skipping ${this.resyncSkipped} bytes`,
    });
    this.resyncSkipped = 0;
    return -1;
  }

  private startResync(incl: number, orig: number): number {
    this.resyncing = true;
    this.summary.counters.badRecords++;
    this.warn({
      stage: 'capture',
      offset: this.offset,
      message: `bad pcap record header (incl_len ${incl}, orig_len ${orig}); scanning for the next record`,
    });
    return this.skip();
  }

  /** A header with possible lengths (whatever its time: tshark reads fractions of a second or more). */
  private possibleAt(b: Uint8Array, o: number): boolean {
    return u32(b, o + 8, this.le) <= maxRecordBytes;
  }

  private ordinaryAt(b: Uint8Array, o: number): boolean {
    return this.ordinary(u32(b, o + 8, this.le), u32(b, o + 12, this.le), u32(b, o + 4, this.le));
  }

  private ordinary(incl: number, orig: number, frac: number): boolean {
    return incl > 0 && incl <= orig && orig <= maxRecordBytes && frac < this.units;
  }

  private skip(): number {
    this.resyncSkipped++;
    this.summary.counters.skippedBytes++;
    return 1;
  }

  private parseFileHeader(b: Uint8Array, p: number, end: number): number {
    if (end - p < 24) {
      this.need = 24;
      return 0;
    }
    const magic = u32(b, p, false);
    const m = pcapMagics.get(magic)!;
    [this.le, this.units] = m;
    const major = u16(b, p + 4, this.le),
      minor = u16(b, p + 6, this.le);
    // libpcap reads 2.0–2.4 and refuses the rest; tshark refuses below 2. The record layout
    // has not changed, so read on, but say so: a writer that got this wrong may get more wrong.
    if ((major !== 2 || minor > 4) && major !== 543) {
      this.warn({
        stage: 'capture',
        offset: 4,
        message: `pcap file version ${major}.${minor} is not one libpcap writes (2.4); read as 2.4`,
      });
    }
    this.lengthsOrder = lengthsOrder(major, minor);
    if (this.lengthsOrder === 'swapped') {
      this.warn({
        stage: 'capture',
        offset: 6,
        message:
          `pcap file version ${major}.${minor} puts each record's length on the wire before its captured ` +
          `length (before 2.3); read so, as libpcap and tshark do`,
      });
    }
    this.snaplen = u32(b, p + 16, this.le);
    const field = u32(b, p + 20, this.le);
    this.linkType = field & linkTypeMask;
    if (field & fcsPresentBit) this.fcsBytes = (field >>> 28) * 2;
    const s = this.summary;
    s.littleEndian = this.le;
    s.tsPrecision = Math.max(s.tsPrecision, this.units === 1e9 ? 9 : 6);
    s.interfaces.push({
      linkType: this.linkType,
      snaplen: this.snaplen,
      tsUnitsPerSec: this.units,
      ...(this.fcsBytes ? { fcsBytes: this.fcsBytes } : {}),
    });
    s.sections = 1;
    this.headerDone = true;
    return 24;
  }
}

/**
 * The order of a record's two length fields: swapped before 2.3 and in DG/UX's 543.x; in 2.3 either
 * (swapped when incl_len > orig_len), as libpcap and tshark read them.
 */
type LengthsOrder = 'standard' | 'swapped' | 'either';

function lengthsOrder(major: number, minor: number): LengthsOrder {
  if ((major === 2 && minor < 3) || major === 543) return 'swapped';
  return major === 2 && minor === 3 ? 'either' : 'standard';
}
