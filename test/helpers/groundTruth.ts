/**
 * Reads the shared captures and their ground truth (runs.tsv and friends).
 * Every accessor here notes which shared capture the running test file used, so that the
 * audit (test/audit/sharedCaptures.test.ts) can tell a capture test that ran from one that
 * quietly did nothing.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** `VIM_ANALYSE_CAPTURES` points the tests elsewhere; a missing folder fails them (never skips). */
export const sharedCaptures = resolve(
  process.env.VIM_ANALYSE_CAPTURES ?? resolve(__dirname, '../../../shared/captures'),
);
export const fixturesDir = resolve(__dirname, '../../fixtures/pcaps');

const used = new Set<string>();
/** The shared captures this test file touched so far (read by test/helpers/captureLedger.ts). */
export const usedSharedCaptures = (): ReadonlySet<string> => used;
/** Starts a new file's note: where files share a worker (isolate: false), this module outlives each file. */
export const forgetUsedSharedCaptures = (): void => used.clear();

export type Row = Record<string, string>;

export function readTsv(path: string): Row[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
}

export const captureFiles: Record<string, string> = {
  'nova-seq': 'nova-seq/capture.pcapng.gz',
  'nova-burst': 'nova-burst/capture.pcap.gz',
  'nova-net': 'nova-net/capture.pcapng.gz',
  'nomad-2016-stock': 'nomad-2016-stock/capture.pcap',
  'nomad-2016-tuned': 'nomad-2016-tuned/capture.pcapng',
  'nomad-modern': 'nomad-modern/capture.pcapng.gz',
};

/** The folder of all shared captures, for a caller that picks among them itself (noted as all used). */
export function sharedCaptureRoot(): string {
  used.add('*');
  return sharedCaptures;
}

/** A file of a shared capture's folder (README.md, runs.tsv, logs/…), noted as used. */
export function sharedFile(name: string, ...parts: string[]): string {
  used.add(name);
  return resolve(sharedCaptures, name, ...parts);
}

export function capturePath(name: string): string {
  const file = captureFiles[name];
  if (file === undefined) throw new Error(`no shared capture named ${name}`);
  used.add(name);
  return resolve(sharedCaptures, file);
}
export const runsOf = (name: string): Row[] => readTsv(sharedFile(name, 'runs.tsv'));
export const secretsOf = (name: string): string[] => {
  try {
    return readFileSync(sharedFile(name, 'secrets.txt'), 'utf8')
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
  } catch {
    const t = JSON.parse(readFileSync(sharedFile(name, 'truth.json'), 'utf8')) as { secrets?: Record<string, string> };
    return Object.values(t.secrets ?? {});
  }
};

/** Unix ns (string) → ISO-comparable bigint. */
export const ns = (s: string): bigint => BigInt(s);
/** ISO 8601 with up to 9 fractional digits → Unix ns bigint. */
export function isoToNs(iso: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso)!;
  const sec = BigInt(Date.parse(`${m[1]}Z`) / 1000);
  const frac = BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9) || '0');
  return sec * 1_000_000_000n + frac;
}

/** A capture's truth.json, parsed. */
export const truthOf = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(resolve(sharedCaptures, name, 'truth.json'), 'utf8')) as T;
