/** Reads the shared captures' ground truth (runs.tsv and friends). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const sharedCaptures = resolve(__dirname, '../../../shared/captures');
export const fixturesDir = resolve(__dirname, '../../fixtures/pcaps');

export type Row = Record<string, string>;

export function readTsv(path: string): Row[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
}

export const captureFiles: Record<string, string> = {
  'nova-seq': 'nova-seq/capture.pcapng.gz',
  'nova-burst': 'nova-burst/capture.pcap.gz',
  'nomad-2016-stock': 'nomad-2016-stock/capture.pcap',
  'nomad-2016-tuned': 'nomad-2016-tuned/capture.pcapng',
  'nomad-modern': 'nomad-modern/capture.pcapng.gz',
};

export const capturePath = (name: string): string => resolve(sharedCaptures, captureFiles[name]);
export const runsOf = (name: string): Row[] => readTsv(resolve(sharedCaptures, name, 'runs.tsv'));
export const secretsOf = (name: string): string[] => {
  try {
    return readFileSync(resolve(sharedCaptures, name, 'secrets.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  } catch {
    const t = JSON.parse(readFileSync(resolve(sharedCaptures, name, 'truth.json'), 'utf8')) as { secrets?: Record<string, string> };
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
