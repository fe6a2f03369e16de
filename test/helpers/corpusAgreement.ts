/**
 * The rules the corpus tests (test/corpus: the full corpus and its committed subset) compare
 * our reading of a capture with tshark's by, and the list of known differences they share.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CorpusResult } from '../../testkit/corpus.js';

export type Compared = 'frames' | 'conversations';

export interface KnownDifference {
  file: string;
  what: Compared;
  why: string;
}

/** test/corpus/known-differences.tsv: each difference from tshark with its reason. */
export const knownDifferences: KnownDifference[] = readFileSync(
  join(import.meta.dirname, '../corpus/known-differences.tsv'),
  'utf8',
)
  .trim()
  .split('\n')
  .slice(1)
  .filter(Boolean)
  .map((l) => {
    const [file, what, why] = l.split('\t');
    return { file, what: what as Compared, why };
  });
const knownSet = new Set(knownDifferences.map((k) => `${k.file}\t${k.what}`));

export const corpusName = (r: CorpusResult): string => `${r.suite}/${r.file}`;
export const isKnownDifference = (r: CorpusResult, what: Compared): boolean =>
  knownSet.has(`${corpusName(r)}\t${what}`);

/**
 * Frames: as many as tshark where it reads to the end, no fewer where it stops (a file we
 * refuse as not a capture counts as 0 frames read, as tshark counts one it cannot open).
 */
export const framesDisagree = (r: CorpusResult): boolean =>
  r.tsharkStatus === 'ok' ? (r.packets ?? 0) !== r.tsharkFrames : (r.packets ?? 0) < r.tsharkFrames;
/** As many TCP connections as tshark has TCP conversations. */
export const conversationsDisagree = (r: CorpusResult): boolean => (r.connections ?? 0) !== r.tsharkTcpConversations;
/** Still differs as listed: a fixed difference leaves the list. */
export const stillDiffers = (r: CorpusResult, what: Compared): boolean =>
  what === 'frames' ? (r.packets ?? 0) !== r.tsharkFrames : (r.connections ?? 0) !== r.tsharkTcpConversations;

export const framesLine = (r: CorpusResult): string =>
  `${corpusName(r)}: ${r.packets ?? `refused (${r.refusal})`} frames, tshark ${r.tsharkFrames} (${r.tsharkStatus})`;
export const connectionsLine = (r: CorpusResult): string =>
  `${corpusName(r)}: ${r.connections ?? 'refused'} connections, tshark ${r.tsharkTcpConversations}`;
