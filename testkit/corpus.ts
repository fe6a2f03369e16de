/**
 * The corpus of public test captures (the test captures of Debian's tcpdump, libpcap, ndpi
 * and gopacket source packages, fetched by scripts/corpus/fetch.sh into a cache outside git) and
 * tshark's reading of each (test/corpus/tshark-reference.tsv, written by
 * scripts/corpus/reference.sh): read each with the project's net stage and compare.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { reassembleTcp } from '../src/net/reassembleTcp.js';
import { UnusableInputError } from '../src/capture/types.js';

export const corpusDir = (): string =>
  resolve(process.env.VIM_ANALYSE_CORPUS ?? join(homedir(), '.cache/vim-analyse/corpus'));
/** The repository root, from testkit/ in the sources or dist/testkit/ once built. */
const root = [resolve(import.meta.dirname, '..'), resolve(import.meta.dirname, '../..')].find((d) =>
  existsSync(join(d, 'package.json')),
)!;
export const referencePath = join(root, 'test/corpus/tshark-reference.tsv');
/** The committed subset (scripts/corpus/fixtures.sh): its captures by suite, and tshark's reading of them. */
export const fixtureCorpusDir = join(root, 'fixtures/corpus');
export const fixtureReferencePath = join(fixtureCorpusDir, 'reference.tsv');

export interface ReferenceRow {
  suite: string;
  file: string;
  sha256: string;
  tsharkFrames: number;
  tsharkTcpConversations: number;
  /** `ok` when tshark read the file to its end, else its first error line. */
  tsharkStatus: string;
}

export function readReference(path = referencePath): ReferenceRow[] {
  const [, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  return lines.map((l) => {
    const [suite, file, sha256, frames, convs, tsharkStatus] = l.split('\t');
    return { suite, file, sha256, tsharkFrames: Number(frames), tsharkTcpConversations: Number(convs), tsharkStatus };
  });
}

export interface CorpusResult extends ReferenceRow {
  /** Records we read; null when we refused the file as not a capture. */
  packets: number | null;
  connections: number | null;
  refusal?: string;
}

/** The corpus file of a row; throws when it is missing or not the file the reference names. */
export function corpusFile(row: ReferenceRow, dir = corpusDir()): string {
  const path = join(dir, row.suite, row.file);
  const fix =
    dir === fixtureCorpusDir
      ? 'it is committed: git checkout fixtures/corpus'
      : 'run scripts/corpus/fetch.sh (VIM_ANALYSE_CORPUS names the cache)';
  if (!existsSync(path)) throw new Error(`corpus capture ${path} is missing: ${fix}`);
  const sum = createHash('sha256').update(readFileSync(path)).digest('hex');
  if (sum !== row.sha256)
    throw new Error(
      `corpus capture ${path} is not the one its reference.tsv names (sha256 ${sum}): rerun scripts/corpus/reference.sh`,
    );
  return path;
}

export async function readCorpusCapture(row: ReferenceRow, dir = corpusDir()): Promise<CorpusResult> {
  const path = corpusFile(row, dir);
  try {
    const r = await reassembleTcp(path, () => null);
    return { ...row, packets: r.capture.packets, connections: r.net.connections };
  } catch (e) {
    if (e instanceof UnusableInputError) return { ...row, packets: null, connections: null, refusal: e.message };
    throw e;
  }
}
