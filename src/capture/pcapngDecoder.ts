/**
 * pcapng: a sequence of blocks `type(4) total_length(4) body total_length(4)`.
 * Read: Section Header (byte order from its magic; several sections allowed), Interface
 * Description (link type, snaplen, options if_tsresol / if_tsoffset / if_fcslen), Enhanced Packet,
 * Simple Packet, obsolete Packet. Every other block type is skipped by its length.
 */
import { FramedDecoder } from './framedDecoder.js';
import { i64, splitTimestamp, u16, u32 } from './byteReader.js';
import { FrameSlot } from './frameSlot.js';
import type { CaptureInterface, CaptureSummary, CaptureWarning, PacketRecord } from './types.js';
import type { SessionClock } from './sessionClock.js';

export const pcapngBlockTypes = {
  sectionHeader: 0x0a0d0d0a,
  interfaceDescription: 1,
  obsoletePacket: 2,
  simplePacket: 3,
  enhancedPacket: 6,
} as const;

const byteOrderMagic = 0x1a2b3c4d;
const ifTsresol = 9;
const ifTsoffset = 14;
const ifName = 2;
const ifFcslen = 13;

interface PcapngInterface extends CaptureInterface {
  tsOffsetSec: number;
  index: number;
  fcs: number;
}

export class PcapngDecoder extends FramedDecoder {
  private le = true;
  private interfaces: PcapngInterface[] = [];
  private frame = 0;
  /** One record object, refilled per packet (valid during the callback only, like its bytes). */
  private readonly rec = new FrameSlot();
  private resyncSkipped = 0;
  /** Time of the previous packet (a simple packet has none of its own). */
  private prevTs = 0;
  private warnedVersion = false;
  /** A whole section header block was read (less is no capture at all). */
  headerComplete = false;

  constructor(
    summary: CaptureSummary,
    private readonly clock: SessionClock,
    private readonly onRecord: (r: PacketRecord) => void,
    warn: (w: CaptureWarning) => void,
  ) {
    super(summary, warn, 'block', 'packets');
    summary.format = 'pcapng';
  }

  protected parseUnit(b: Uint8Array, p: number, end: number): number {
    if (end - p < 12) {
      this.need = 12;
      return 0;
    }
    let type = u32(b, p, this.le);
    if (type === pcapngBlockTypes.sectionHeader) {
      // The byte order is that of the section's own magic, which follows type and length.
      const magicLe = u32(b, p + 8, true);
      if (magicLe === byteOrderMagic) this.le = true;
      else if (u32(b, p + 8, false) === byteOrderMagic) this.le = false;
      else return this.badBlock(`section header with unknown byte-order magic`);
    }
    type = u32(b, p, this.le);
    const len = u32(b, p + 4, this.le);
    if (len < 12 || len % 4 !== 0 || len > this.maxUnitBytes())
      return this.badBlock(`block of type ${type} with impossible length ${len}`);
    if (end - p < len) {
      this.need = len;
      return 0;
    }
    if (u32(b, p + len - 4, this.le) !== len)
      return this.badBlock(`block of type ${type}: trailing length does not match ${len}`);
    if (this.resyncSkipped > 0) {
      this.warn({
        stage: 'capture',
        offset: this.offset,
        message: `resynchronised after skipping ${this.resyncSkipped} bytes`,
      });
      this.resyncSkipped = 0;
    }
    const body = p + 8;
    const bodyEnd = p + len - 4;
    switch (type) {
      case pcapngBlockTypes.sectionHeader:
        this.section(b, body, bodyEnd);
        break;
      case pcapngBlockTypes.interfaceDescription:
        this.interfaceDescription(b, body, bodyEnd);
        break;
      case pcapngBlockTypes.enhancedPacket:
        this.enhancedPacket(b, body, bodyEnd);
        break;
      case pcapngBlockTypes.simplePacket:
        this.simplePacket(b, body, bodyEnd);
        break;
      case pcapngBlockTypes.obsoletePacket:
        this.obsoletePacket(b, body, bodyEnd);
        break;
      default:
        this.summary.counters.skippedBlocks++;
    }
    return len;
  }

  private badBlock(message: string): number {
    if (this.resyncSkipped === 0) {
      this.summary.counters.badRecords++;
      this.warn({ stage: 'capture', offset: this.offset, message: `${message}; scanning for the next block` });
    }
    // Blocks are 4-byte aligned: scan in steps of 4.
    this.resyncSkipped += 4;
    this.summary.counters.skippedBytes += 4;
    return 4;
  }

  private section(b: Uint8Array, p: number, end: number): void {
    this.headerComplete = true;
    const major = end - p >= 8 ? u16(b, p + 4, this.le) : -1,
      minor = end - p >= 8 ? u16(b, p + 6, this.le) : -1;
    // 1.0 is the format; libpcap also writes 1.2 for one old bug. Blocks read the same in
    // the others tshark refuses, so read on, but say so once.
    if (!(major === 1 && (minor === 0 || minor === 2)) && !this.warnedVersion) {
      this.warnedVersion = true;
      this.warn({
        stage: 'capture',
        offset: this.offset,
        message: `pcapng section version ${major}.${minor} is not one writers use (1.0); read as 1.0`,
      });
    }
    this.summary.sections++;
    this.summary.littleEndian = this.le;
    this.interfaces = []; // interface ids are per section
  }

  private interfaceDescription(b: Uint8Array, p: number, end: number): void {
    if (end - p < 8) return void this.summary.counters.badRecords++;
    const iface: PcapngInterface = {
      linkType: u16(b, p, this.le),
      snaplen: u32(b, p + 4, this.le),
      tsUnitsPerSec: 1e6,
      tsOffsetSec: 0,
      index: this.summary.interfaces.length,
      fcs: 0,
    };
    for (let o = p + 8; o + 4 <= end;) {
      const code = u16(b, o, this.le);
      const olen = u16(b, o + 2, this.le);
      const v = o + 4;
      if (code === 0 || v + olen > end) break;
      if (code === ifTsresol && olen >= 1) {
        const r = b[v];
        iface.tsUnitsPerSec = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
      } else if (code === ifTsoffset && olen >= 8) {
        iface.tsOffsetSec = i64(b, v, this.le);
      } else if (code === ifFcslen && olen >= 1) {
        iface.fcs = b[v];
      } else if (code === ifName) {
        iface.name = Buffer.from(b.buffer, b.byteOffset + v, olen).toString('utf8');
      }
      o = v + ((olen + 3) & ~3);
    }
    const digits = Math.ceil(Math.log10(iface.tsUnitsPerSec));
    this.summary.tsPrecision = Math.max(this.summary.tsPrecision, digits);
    this.interfaces.push(iface);
    const { tsOffsetSec: _o, index: _i, fcs, ...pub } = iface;
    this.summary.interfaces.push(fcs > 0 ? { ...pub, fcsBytes: fcs } : pub);
  }

  private enhancedPacket(b: Uint8Array, p: number, end: number): void {
    if (end - p < 20) return void this.summary.counters.badRecords++;
    const id = u32(b, p, this.le);
    const hi = u32(b, p + 4, this.le);
    const lo = u32(b, p + 8, this.le);
    const cap = u32(b, p + 12, this.le);
    const orig = u32(b, p + 16, this.le);
    this.emit(id, hi, lo, b, p + 20, cap, orig, end);
  }

  private obsoletePacket(b: Uint8Array, p: number, end: number): void {
    if (end - p < 20) return void this.summary.counters.badRecords++;
    const id = u16(b, p, this.le);
    const hi = u32(b, p + 4, this.le);
    const lo = u32(b, p + 8, this.le);
    const cap = u32(b, p + 12, this.le);
    const orig = u32(b, p + 16, this.le);
    this.emit(id, hi, lo, b, p + 20, cap, orig, end);
  }

  private simplePacket(b: Uint8Array, p: number, end: number): void {
    if (end - p < 4) return void this.summary.counters.badRecords++;
    const orig = u32(b, p, this.le);
    const iface = this.interfaces[0];
    if (!iface) {
      this.summary.counters.badRecords++;
      this.warn({
        stage: 'capture',
        offset: this.offset,
        message: 'simple packet block names interface 0, which was not described',
      });
      return;
    }
    const snap = iface.snaplen > 0 ? iface.snaplen : orig;
    const cap = Math.min(orig, snap, end - p - 4);
    // A simple packet has no timestamp: it takes the previous packet's time.
    this.record(0, this.prevTs, b, p + 4, cap, orig, -1, 0);
  }

  private emit(
    id: number,
    hi: number,
    lo: number,
    b: Uint8Array,
    data: number,
    cap: number,
    orig: number,
    end: number,
  ): void {
    const iface = this.interfaces[id];
    if (!iface) {
      this.summary.counters.badRecords++;
      this.warn({
        stage: 'capture',
        offset: this.offset,
        message: `packet names interface ${id}, which was not described`,
      });
      return;
    }
    if (data + cap > end) {
      this.summary.counters.badRecords++;
      this.warn({
        stage: 'capture',
        offset: this.offset,
        message: `packet's captured length ${cap} overruns its block`,
      });
      return;
    }
    const [sec, nsec] = splitTimestamp(hi, lo, iface.tsUnitsPerSec);
    const ts = this.clock.relative(sec + iface.tsOffsetSec, nsec);
    this.record(id, ts, b, data, cap, orig, sec + iface.tsOffsetSec, nsec);
  }

  /** `sec` is -1 for a packet without a time of its own. */
  private record(
    id: number,
    ts: number,
    b: Uint8Array,
    data: number,
    cap: number,
    orig: number,
    sec: number,
    nsec: number,
  ): void {
    const iface = this.interfaces[id];
    const s = this.summary;
    s.packets++;
    s.capturedBytes += cap;
    if (sec >= 0) this.noteTime(ts, sec, nsec);
    this.prevTs = ts;
    if (cap > orig && s.counters.capturedOverWire++ === 0) {
      this.warn({
        stage: 'capture',
        offset: this.offset,
        message:
          `packet ${this.frame + 1} has a captured length (${cap}) above its length on the wire (${orig});` +
          ` such packets are read as captured and counted`,
      });
    }
    if (iface.fcs > 0) {
      // The FCS is the frame's last bytes on the wire: captured only if the frame was not cut before them.
      const keep = Math.max(0, Math.min(cap, orig - iface.fcs));
      if (keep < cap) s.counters.fcsStripped++;
      cap = keep;
    }
    const r = this.rec;
    r.ts = ts;
    r.linkType = iface.linkType;
    r.data = b;
    r.start = data;
    r.end = data + cap;
    r.origLen = orig;
    r.iface = iface.index;
    r.frame = ++this.frame;
    this.onRecord(r);
  }
}
