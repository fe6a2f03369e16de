/**
 * Reads a capture (bytes written to a temporary file, or a path, or a stream) with
 * readCapture and returns copies of its records, the summary and the warnings.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture, type CaptureSource, type ReadCaptureOptions } from '../../src/capture/readCapture.js';
import { SessionClock } from '../../src/capture/sessionClock.js';
import type { CaptureSummary, CaptureWarning } from '../../src/capture/types.js';

export interface CopiedRecord {
  ts: number;
  linkType: number;
  bytes: number[];
  origLen: number;
  iface: number;
  frame: number;
}

export interface ReadResult {
  records: CopiedRecord[];
  summary: CaptureSummary;
  warnings: CaptureWarning[];
  clock: SessionClock;
}

let dir: string | null = null;

/** Write bytes to a fresh file in a per-run temporary folder; returns its path. */
export function tempFile(name: string, bytes: Uint8Array): string {
  dir ??= mkdtempSync(join(tmpdir(), 'vim-analyse-capture-'));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

export async function readAll(
  source: CaptureSource | Uint8Array,
  options: ReadCaptureOptions = {},
): Promise<ReadResult> {
  const records: CopiedRecord[] = [];
  const warnings: CaptureWarning[] = [];
  const clock = new SessionClock();
  const src =
    source instanceof Uint8Array ? tempFile(`capture-${Math.random().toString(36).slice(2)}.bin`, source) : source;
  const summary = await readCapture(
    src,
    (r) =>
      records.push({
        ts: r.ts,
        linkType: r.linkType,
        bytes: [...r.bytes],
        origLen: r.origLen,
        iface: r.iface,
        frame: r.frame,
      }),
    { clock, onWarning: (w) => warnings.push(w), ...options },
  );
  return { records, summary, warnings, clock };
}
