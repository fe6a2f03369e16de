/**
 * The corpus test: the public test captures of tcpdump's, libpcap's, nDPI's and gopacket's
 * own suites (Debian bookworm source packages, fetched by scripts/corpus/fetch.sh into a
 * cache outside git; `.ci/run` fetches them), each read by the project's capture and net
 * stages and compared with tshark's reading recorded by scripts/corpus/reference.sh in
 * tshark-reference.tsv: the frames read and the TCP conversations (`-z conv,tcp`). Each
 * difference is listed, with its reason, in known-differences.tsv; a capture missing from
 * the cache fails the test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCorpusCapture, readReference, type CorpusResult } from '../../testkit/corpus.js';

interface KnownDifference {
  file: string;
  what: 'conversations' | 'frames';
  why: string;
}

const known: KnownDifference[] = readFileSync(join(import.meta.dirname, 'known-differences.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .filter(Boolean)
  .map((l) => {
    const [file, what, why] = l.split('\t');
    return { file, what: what as KnownDifference['what'], why };
  });
const knownKey = (file: string, what: string) => `${file}\t${what}`;
const knownSet = new Set(known.map((k) => knownKey(k.file, k.what)));

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
    const differ = results.filter(
      (r) =>
        (r.tsharkStatus === 'ok' ? (r.packets ?? 0) !== r.tsharkFrames : (r.packets ?? 0) < r.tsharkFrames) &&
        !knownSet.has(knownKey(`${r.suite}/${r.file}`, 'frames')),
    );
    expect(
      differ.map(
        (r) =>
          `${r.suite}/${r.file}: ${r.packets ?? `refused (${r.refusal})`} frames, tshark ${r.tsharkFrames} (${r.tsharkStatus})`,
      ),
    ).toEqual([]);
    // Where tshark stops (a link type it does not map, a version it refuses), we read on: the frames are counted, with a warning.
    expect(results.filter((r) => r.tsharkStatus !== 'ok' && (r.packets ?? 0) > r.tsharkFrames).length).toBeGreaterThan(
      0,
    );
  });

  it('finds as many TCP connections as tshark has TCP conversations in each capture, but for the listed differences', () => {
    const differ = results.filter(
      (r) =>
        (r.connections ?? 0) !== r.tsharkTcpConversations &&
        !knownSet.has(knownKey(`${r.suite}/${r.file}`, 'conversations')),
    );
    expect(
      differ.map(
        (r) => `${r.suite}/${r.file}: ${r.connections ?? 'refused'} connections, tshark ${r.tsharkTcpConversations}`,
      ),
    ).toEqual([]);
  });

  it('still differs where the list says so (a fixed difference leaves the list)', () => {
    const byFile = new Map(results.map((r) => [`${r.suite}/${r.file}`, r]));
    const stale = known.filter((k) => {
      const r = byFile.get(k.file);
      if (!r) return true;
      return k.what === 'frames'
        ? (r.packets ?? 0) === r.tsharkFrames
        : (r.connections ?? 0) === r.tsharkTcpConversations;
    });
    expect(stale.map((k) => `${k.file} ${k.what}`)).toEqual([]);
  });
});
