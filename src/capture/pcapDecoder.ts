/**
 * Classic pcap: 24-byte file header (magic, version, snaplen, link type), then records of
 * a 16-byte header (ts_sec, ts_frac, incl_len, orig_len) and incl_len bytes.
 * Magic a1b2c3d4 = microseconds, a1b23c4d = nanoseconds, in either byte order.
 */
import { FramedDecoder } from './framedDecoder.js';
import { u32 } from './byteReader.js';
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

export class PcapDecoder extends FramedDecoder {
  private headerDone = false;
  private le = false;
  private units = 1e6;
  private linkType = 1;
  private snaplen = 0;
  private frame = 0;
  private lastSec = -1;
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
    if (!this.plausible(sec, frac, incl, orig)) {
      // Corrupt record header: scan forward a byte at a time for one that looks right.
      if (!this.resyncing) {
        this.resyncing = true;
        this.summary.counters.badRecords++;
        this.warn({ stage: 'capture', offset: this.offset, message: `bad pcap record header (incl_len ${incl}, orig_len ${orig}); scanning for the next record` });
      }
      this.resyncSkipped++;
      return 1;
    }
    if (this.resyncing) {
      this.resyncing = false;
      this.warn({ stage: 'capture', offset: this.offset, message: `resynchronised after skipping ${this.resyncSkipped} bytes` });
      this.resyncSkipped = 0;
    }
    if (end - p < 16 + incl) {
      this.need = 16 + incl;
      return 0;
    }
    this.lastSec = sec;
    const nsec = this.units === 1e9 ? frac : frac * 1000;
    const ts = this.clock.relative(sec, nsec);
    const s = this.summary;
    s.packets++;
    s.capturedBytes += incl;
    if (Number.isNaN(this.firstTs)) this.firstTs = ts;
    this.lastTs = ts;
    const r = this.rec;
    r.ts = ts;
    r.linkType = this.linkType;
    r.data = b;
    r.start = p + 16;
    r.end = p + 16 + incl;
    r.origLen = orig;
    r.frame = ++this.frame;
    this.onRecord(r);
    return 16 + incl;
  }

  private plausible(sec: number, frac: number, incl: number, orig: number): boolean {
    // Not the header's snaplen: writers get it wrong and tshark reads longer records anyway.
    if (incl > maxRecordBytes || incl > orig || frac >= this.units) return false;
    // Records are roughly in time order; a jump of more than a day means we are misaligned.
    if (this.lastSec >= 0 && Math.abs(sec - this.lastSec) > 86400) return false;
    return true;
  }

  private parseFileHeader(b: Uint8Array, p: number, end: number): number {
    if (end - p < 24) {
      this.need = 24;
      return 0;
    }
    const magic = u32(b, p, false);
    const m = pcapMagics.get(magic)!;
    [this.le, this.units] = m;
    this.snaplen = u32(b, p + 16, this.le);
    // The upper bits of the link-type field carry FCS information (pcap-savefile(5)).
    this.linkType = u32(b, p + 20, this.le) & 0x0fffffff;
    const s = this.summary;
    s.littleEndian = this.le;
    s.tsPrecision = Math.max(s.tsPrecision, this.units === 1e9 ? 9 : 6);
    s.interfaces.push({ linkType: this.linkType, snaplen: this.snaplen, tsUnitsPerSec: this.units });
    s.sections = 1;
    this.headerDone = true;
    return 24;
  }
}
