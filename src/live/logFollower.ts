/**
 * `live --logs [HOST=]PATH`: a compute-host log followed as it grows, with `tail -F`'s
 * manners: it may not exist yet (read once it appears), and when it is rotated (renamed
 * and created anew: logrotate's default) the old file is read to its end before the new
 * one is read from its start; when it is truncated in place (copytruncate) reading starts
 * again at 0. Only lines written after the start are read (older ones belong to requests
 * before the capture). Lines go through the same parsers as offline logs; events older
 * than the retention window are dropped, so memory stays flat.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { LogCollector } from '../logs/collector.js';
import { parseLogSpec } from '../logs/readLog.js';
import type { ParsedLog } from '../logs/types.js';

/** Longest line kept whole (as readLog); the rest of a longer one is skipped. */
const maxLine = 1 << 20;
/** Bytes read per poll at most, so one huge burst cannot stall the capture loop. */
const maxReadPerPoll = 8 << 20;

export class LogFollower {
  readonly path: string;
  private readonly collector: LogCollector;
  private fd: number | null = null;
  private ino = -1;
  private offset = 0;
  private carry: Buffer | null = null;
  private skipping = false;
  private readonly buf = Buffer.alloc(1 << 20);
  private started = false;
  /** The parsed log so far (same event array throughout: the session reads it). */
  parsed: ParsedLog;
  /** Rotations and truncations seen (for the result's counters). */
  readonly counts = { rotations: 0, truncations: 0, bytes: 0 };

  constructor(
    spec: string,
    private readonly notice: (text: string) => void = () => {},
  ) {
    const { host, path } = parseLogSpec(spec);
    this.path = path;
    this.collector = new LogCollector(path, host);
    this.parsed = this.collector.finish();
    // Where the file ends now is where reading starts.
    this.open();
  }

  /** Reads what was appended since the last poll (and follows a rotation). */
  poll(): ParsedLog {
    if (this.fd === null && !this.open()) return this.parsed;
    let budget = maxReadPerPoll;
    budget -= this.readToEnd(budget);
    const now = this.pathIno();
    if (now !== null && now.ino !== this.ino) {
      // Rotated: the old file's last lines first, then the new file from its start.
      this.readToEnd(budget);
      this.flushCarry();
      closeSync(this.fd!);
      this.fd = null;
      this.counts.rotations++;
      this.notice(`log ${this.path} rotated: reading the new file from its start`);
      this.open(true);
      this.readToEnd(budget);
    }
    this.parsed = this.collector.finish();
    return this.parsed;
  }

  /** Drops events stamped before `beforeUnixNs` (host clock): they belong to requests already reported. */
  prune(beforeUnixNs: bigint): void {
    const ev = this.parsed.events;
    let k = 0;
    while (k < ev.length && ev[k].timeNs < beforeUnixNs) k++;
    if (k) ev.splice(0, k);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private pathIno(): { ino: number; size: number } | null {
    try {
      const s = statSync(this.path);
      return { ino: s.ino, size: s.size };
    } catch {
      return null;
    }
  }

  /** Opens the path; at the first open, from its end (`fromStart` after a rotation). */
  private open(fromStart = false): boolean {
    try {
      this.fd = openSync(this.path, 'r');
    } catch {
      // Not there (yet): tail -F waits for it.
      if (!this.started) this.notice(`log ${this.path} does not exist yet: waiting for it`);
      this.started = true;
      return false;
    }
    const s = fstatSync(this.fd);
    this.ino = s.ino;
    // A file that appears after the start is new: all of it is read.
    this.offset = fromStart || this.started ? 0 : s.size;
    this.started = true;
    return true;
  }

  /** Reads from offset to the file's end (at most `budget` bytes); returns the bytes read. */
  private readToEnd(budget: number): number {
    const size = fstatSync(this.fd!).size;
    if (size < this.offset) {
      this.counts.truncations++;
      this.notice(`log ${this.path} truncated: reading again from its start`);
      this.offset = 0;
      this.carry = null;
    }
    let read = 0;
    while (read < budget) {
      const n = readSync(this.fd!, this.buf, 0, Math.min(this.buf.length, budget - read), this.offset);
      if (n <= 0) break;
      this.offset += n;
      read += n;
      this.feed(this.buf.subarray(0, n));
    }
    this.counts.bytes += read;
    return read;
  }

  /** Complete lines to the collector; a partial last line waits (bounded, as readLog does). */
  private feed(chunk: Buffer): void {
    let bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    if (this.skipping) {
      const nl = bytes.indexOf(0x0a);
      if (nl < 0) return;
      bytes = bytes.subarray(nl + 1);
      this.skipping = false;
    }
    const last = bytes.lastIndexOf(0x0a);
    if (last >= 0) {
      for (const line of bytes.toString('utf8', 0, last).split('\n')) this.collector.feed(line);
    }
    if (last + 1 < bytes.length) this.carry = Buffer.from(bytes.subarray(last + 1));
    if (this.carry && this.carry.length > maxLine) {
      this.collector.feed(this.carry.toString('utf8', 0, maxLine));
      this.carry = null;
      this.skipping = true;
    }
  }

  /** A rotated file's last line without its newline is still a line. */
  private flushCarry(): void {
    if (this.carry?.length) this.collector.feed(this.carry.toString('utf8'));
    this.carry = null;
    this.skipping = false;
  }
}
