/** Every shared capture on disk (each folder of /work/shared/captures with a capture file), with its logs. */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { sharedCaptureRoot } from './groundTruth.js';

export interface SharedCapture {
  name: string;
  file: string;
  logs: string[];
}

export function sharedCaptureList(): SharedCapture[] {
  const sharedCaptures = sharedCaptureRoot();
  const out: SharedCapture[] = [];
  for (const name of readdirSync(sharedCaptures).sort()) {
    let files: string[];
    try {
      files = readdirSync(resolve(sharedCaptures, name));
    } catch {
      continue;
    }
    const capture = files.find((f) => /^capture\.pcap(ng)?(\.gz)?$/.test(f));
    if (!capture) continue;
    let logs: string[] = [];
    try {
      logs = readdirSync(resolve(sharedCaptures, name, 'logs'))
        .sort()
        .map((l) => resolve(sharedCaptures, name, 'logs', l));
    } catch {
      // no logs with this one
    }
    out.push({ name, file: resolve(sharedCaptures, name, capture), logs });
  }
  // A missing folder must fail the tests that walk it, not make them vacuous.
  if (out.length < 5) throw new Error(`expected the shared captures under ${sharedCaptures}, found ${out.length}`);
  return out;
}
