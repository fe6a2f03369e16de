/**
 * The corpus test on the committed subset (fixtures/corpus: small captures of tcpdump's and
 * libpcap's own suites, copied by scripts/corpus/fixtures.sh), so that it runs in a fresh
 * clone without the cache: each read by the capture and net stages and compared with
 * tshark's reading recorded in fixtures/corpus/reference.tsv, by the rules of the full
 * corpus test (publicCaptures.test.ts) and with its list of known differences.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fixtureCorpusDir,
  fixtureReferencePath,
  readCorpusCapture,
  readReference,
  type CorpusResult,
} from '../../testkit/corpus.js';
import {
  connectionsLine,
  conversationsDisagree,
  framesDisagree,
  framesLine,
  isKnownDifference as isKnown,
  stillDiffers,
} from '../helpers/corpusAgreement.js';

describe('committed public test captures (fixtures/corpus) against tshark', () => {
  // Throws when reference.tsv is missing: the test fails, it does not skip.
  const rows = readReference(fixtureReferencePath);
  const results: CorpusResult[] = [];

  beforeAll(async () => {
    // Throws when a capture is missing or not the file reference.tsv names.
    for (const row of rows) results.push(await readCorpusCapture(row, fixtureCorpusDir));
  });

  it('has every capture reference.tsv names, byte for byte, and no capture it does not name', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect(results).toHaveLength(rows.length);
    const onDisk = ['tcpdump', 'libpcap'].flatMap((suite) =>
      readdirSync(join(fixtureCorpusDir, suite))
        .filter((f) => /\.pcap(ng)?$/.test(f))
        .map((f) => `${suite}/${f}`),
    );
    expect(onDisk.sort()).toEqual(rows.map((r) => `${r.suite}/${r.file}`).sort());
  });

  it('reads as many frames as tshark where tshark reads to the end, and no fewer where it stops, but for the listed differences', () => {
    const differ = results.filter((r) => framesDisagree(r) && !isKnown(r, 'frames'));
    expect(differ.map(framesLine)).toEqual([]);
    // The subset keeps files tshark stops in (a link type it does not map, a version it refuses) and we read on.
    expect(results.filter((r) => r.tsharkStatus !== 'ok' && (r.packets ?? 0) > r.tsharkFrames).length).toBeGreaterThan(
      0,
    );
  });

  it('finds as many TCP connections as tshark has TCP conversations, but for the listed differences', () => {
    const differ = results.filter((r) => conversationsDisagree(r) && !isKnown(r, 'conversations'));
    expect(differ.map(connectionsLine)).toEqual([]);
    // The subset keeps TCP to compare: most of its conversations agree.
    const agreeing = results.filter((r) => r.tsharkTcpConversations > 0 && r.connections === r.tsharkTcpConversations);
    expect(agreeing.reduce((n, r) => n + r.tsharkTcpConversations, 0)).toBeGreaterThanOrEqual(30);
  });

  it('still differs on each committed file the list names (a fixed difference leaves the list)', () => {
    const listed = results.flatMap((r) =>
      (['frames', 'conversations'] as const).filter((what) => isKnown(r, what)).map((what) => ({ r, what })),
    );
    expect(listed.length).toBeGreaterThan(0);
    const stale = listed.filter(({ r, what }) => !stillDiffers(r, what));
    expect(stale.map(({ r, what }) => `${r.suite}/${r.file} ${what}`)).toEqual([]);
  });
});
