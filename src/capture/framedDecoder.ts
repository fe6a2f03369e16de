/**
 * Base for the file-format decoders: turns arbitrarily cut chunks into whole units
 * (a record, a block). Units inside a chunk are parsed in place (zero copy); only a unit
 * that straddles two chunks is copied into a carry buffer, and only up to its own length.
 */
import type { CaptureSummary, CaptureWarning } from './types.js';

export abstract class FramedDecoder {
  /**
   * @param unit what one unit is called in warnings (`record`, `block`)
   * @param item what a unit carries (`records`, `packets`)
   */
  constructor(
    protected readonly summary: CaptureSummary,
    protected readonly warn: (w: CaptureWarning) => void,
    private readonly unit: string,
    private readonly item: string,
  ) {}

  /** Bytes needed from the start of the current unit before parseUnit can progress. */
  protected need = 0;
  private carry: Uint8Array | null = null;
  private carryLen = 0;
  /** Start of the unread bytes in the carry. */
  private carryPos = 0;
  /** Offset in the decompressed input of the next byte to be consumed. */
  protected offset = 0;
  protected ended = false;
  /**
   * Earliest and latest record time (±Infinity before any), kept as plain numbers and
   * copied to the summary after each chunk: storing into the summary's nullable fields
   * boxed a number per packet (6% of `info`'s instructions). Earliest and latest, not
   * first and last: merged or reordered files go back in time, and a span must not be negative.
   */
  protected minTs = Number.POSITIVE_INFINITY;
  protected maxTs = Number.NEGATIVE_INFINITY;
  /** Exact absolute time (Unix s, ns) of those two records: relative ns lose digits past 104 days. */
  private minSec = 0;
  private minNsec = 0;
  private maxSec = 0;
  private maxNsec = 0;

  /** Note one record's time (relative ns and its exact absolute parts). */
  protected noteTime(ts: number, sec: number, nsec: number): void {
    if (ts < this.minTs) {
      this.minTs = ts;
      this.minSec = sec;
      this.minNsec = nsec;
    }
    if (ts > this.maxTs) {
      this.maxTs = ts;
      this.maxSec = sec;
      this.maxNsec = nsec;
    }
  }

  protected publishTimes(): void {
    if (this.minTs === Number.POSITIVE_INFINITY) return;
    const s = this.summary;
    s.firstTs = this.minTs;
    s.lastTs = this.maxTs;
    s.firstNs = BigInt(this.minSec) * 1_000_000_000n + BigInt(this.minNsec);
    s.lastNs = BigInt(this.maxSec) * 1_000_000_000n + BigInt(this.maxNsec);
  }

  /**
   * Parse one unit at buf[pos..end). Return the bytes consumed (> 0), or 0 after setting
   * `this.need` to the total bytes the unit needs from pos (must be > end - pos).
   */
  protected abstract parseUnit(buf: Uint8Array, pos: number, end: number): number;

  /** Called by end() when the input stops inside a unit: everything before it is kept. */
  protected truncated(have: number, need: number): void {
    this.summary.counters.truncated++;
    this.warn({
      stage: 'capture',
      offset: this.offset,
      message:
        `file ends inside a ${this.unit} (${have} of ${need} bytes); the ${this.summary.packets} ` +
        `${this.item} before it were read`,
    });
  }

  feed(chunk: Uint8Array): void {
    this.feedUnits(chunk);
    this.publishTimes();
  }

  private feedUnits(chunk: Uint8Array): void {
    if (this.ended) return;
    let pos = 0;
    const end = chunk.length;
    if (this.carry) {
      // Complete the straddling unit first, copying only what it needs.
      while (this.carry) {
        let carry: Uint8Array = this.carry;
        if (this.carryLen - this.carryPos < this.need) {
          // Move the unread rest to the front only when more bytes must be appended.
          if (this.carryPos > 0) {
            carry.copyWithin(0, this.carryPos, this.carryLen);
            this.carryLen -= this.carryPos;
            this.carryPos = 0;
          }
          const take = Math.min(this.need - this.carryLen, end - pos);
          if (carry.length < this.need) {
            const grown = new Uint8Array(Math.max(this.need, carry.length * 2));
            grown.set(carry.subarray(0, this.carryLen));
            this.carry = carry = grown;
          }
          carry.set(chunk.subarray(pos, pos + take), this.carryLen);
          this.carryLen += take;
          pos += take;
          if (this.carryLen < this.need) return;
        }
        const used = this.parseUnit(carry, this.carryPos, this.carryLen);
        if (this.ended) return;
        if (used > 0) {
          this.offset += used;
          this.carryPos += used;
          if (this.carryPos < this.carryLen) {
            // Resynchronising steps a few bytes at a time: the rest of the carry (which may
            // hold bytes of earlier chunks) is still unread, so it stays in the carry. A read
            // position, not a copy per step: a carry of many MB (a damaged length field)
            // resynchronised byte by byte was quadratic (fuzz seed 1 variant 252: 10 s).
            this.need = this.carryLen - this.carryPos;
          } else {
            this.carry = null;
            this.carryLen = 0;
            this.carryPos = 0;
          }
        } else if (this.need > this.maxUnitBytes()) {
          this.abandon();
          return;
        }
      }
    }
    while (pos < end && !this.ended) {
      const used = this.parseUnit(chunk, pos, end);
      if (used > 0) {
        pos += used;
        this.offset += used;
        continue;
      }
      if (this.ended) return;
      if (this.need > this.maxUnitBytes()) {
        this.abandon();
        return;
      }
      const rest = end - pos;
      this.carry = new Uint8Array(Math.max(this.need, 64));
      this.carry.set(chunk.subarray(pos, end));
      this.carryLen = rest;
      this.carryPos = 0;
      return;
    }
  }

  /** Set during end(): a unit that wanted bytes past itself (a look-ahead) gets what there is. */
  protected atEof = false;

  end(): void {
    if (this.carry && this.carryLen > this.carryPos && !this.ended) {
      // Units that only waited for a look-ahead past themselves are whole: parse them.
      this.atEof = true;
      for (let used = 1; used > 0 && this.carryPos < this.carryLen && !this.ended;) {
        used = this.parseUnit(this.carry, this.carryPos, this.carryLen);
        this.carryPos += used;
        this.offset += used;
      }
    }
    this.publishTimes();
    if (this.carry && this.carryLen > this.carryPos && !this.ended)
      this.truncated(this.carryLen - this.carryPos, this.need);
    this.carry = null;
    this.carryLen = 0;
    this.carryPos = 0;
    this.ended = true;
  }

  /** A unit larger than this is treated as corruption rather than buffered. */
  protected maxUnitBytes(): number {
    return 64 * 1024 * 1024;
  }

  /** Called when a unit claims to need more than maxUnitBytes: the rest is unreadable. */
  protected abandon(): void {
    this.summary.counters.badRecords++;
    this.ended = true;
  }
}
