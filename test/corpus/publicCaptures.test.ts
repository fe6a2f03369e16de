/**
 * The corpus test: the public test captures of tcpdump's, libpcap's, nDPI's and gopacket's
 * own suites (Debian bookworm source packages, fetched by scripts/corpus/fetch.sh into a
 * cache outside git; `.ci/run` fetches them), each read by the project's capture and net
 * stages and compared with tshark's reading recorded by scripts/corpus/reference.sh in
 * tshark-reference.tsv: the frames read and the TCP conversations (`-z conv,tcp`). Each
 * difference is listed, with its reason, in known-differences.tsv; a capture missing from
 * the cache fails the test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readCorpusCapture, readReference, type CorpusResult } from '../../testkit/corpus.js';
import {
  connectionsLine,
  conversationsDisagree,
  corpusName,
  framesDisagree,
  framesLine,
  isKnownDifference,
  knownDifferences as known,
  stillDiffers,
} from '../helpers/corpusAgreement.js';

describe('public test captures (tcpdump, libpcap, nDPI and gopacket suites) against tshark', () => {
  const rows = readReference();
  const results: CorpusResult[] = [];

  beforeAll(async () => {
    for (const row of rows) results.push(await readCorpusCapture(row));
  }, 120_000);

  it('has the whole corpus: every capture the reference names, byte for byte', () => {
    expect(rows.length).toBeGreaterThan(900);
    expect(new Set(rows.map((r) => r.suite))).toEqual(new Set(['tcpdump', 'libpcap', 'ndpi', 'gopacket']));
    expect(results).toHaveLength(rows.length);
  });

  it('reads as many frames as tshark from every capture tshark reads to its end, and no fewer from those it stops in, but for the listed differences', () => {
    // A file we refuse as not a capture counts as 0 frames read, as tshark counts one it cannot open.
    const differ = results.filter((r) => framesDisagree(r) && !isKnownDifference(r, 'frames'));
    expect(differ.map(framesLine)).toEqual([]);
    // Where tshark stops (a link type it does not map, a version it refuses), we read on: the frames are counted, with a warning.
    expect(results.filter((r) => r.tsharkStatus !== 'ok' && (r.packets ?? 0) > r.tsharkFrames).length).toBeGreaterThan(
      0,
    );
  });

  it('finds as many TCP connections as tshark has TCP conversations in each capture, but for the listed differences', () => {
    const differ = results.filter((r) => conversationsDisagree(r) && !isKnownDifference(r, 'conversations'));
    expect(differ.map(connectionsLine)).toEqual([]);
  });

  it('still differs where the list says so (a fixed difference leaves the list)', () => {
    const byFile = new Map(results.map((r) => [corpusName(r), r]));
    const stale = known.filter((k) => {
      const r = byFile.get(k.file);
      return !r || !stillDiffers(r, k.what);
    });
    expect(stale.map((k) => `${k.file} ${k.what}`)).toEqual([]);
  });
});
