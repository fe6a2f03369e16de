/**
 * fixtures/corpus/reference.tsv is tshark's reading of the committed corpus subset, not a
 * copy of our own: Wireshark reads each capture again and must give the recorded frames, TCP
 * conversations and whether it read the file to its end. scripts/corpus/reference.sh records them
 * with a tshark pass a file (`-T fields -e frame.number -z conv,tcp`); here sharkd, the same
 * libwireshark in one process, reads all 40 (a tshark start-up a file cost ~20 s of CPU a run).
 * Wireshark is required (CI installs it with apt): without it the test fails.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureCorpusDir, fixtureReferencePath, readReference } from '../../testkit/corpus.js';
import { wiresharkReadings } from '../helpers/sharkd.js';

describe('fixtures/corpus/reference.tsv', () => {
  it('is what Wireshark reads from each committed capture now', async () => {
    const rows = readReference(fixtureReferencePath);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    const name = (r: { suite: string; file: string }) => `${r.suite}/${r.file}`;
    const recorded = rows.map((r) => ({
      file: name(r),
      frames: r.tsharkFrames,
      tcpConversations: r.tsharkTcpConversations,
      readToEnd: r.tsharkStatus === 'ok',
    }));
    const now = await wiresharkReadings(rows.map((r) => join(fixtureCorpusDir, r.suite, r.file)));
    expect(now.map((reading, i) => ({ file: name(rows[i]), ...reading }))).toEqual(recorded);
    // Not all alike: a reading that ignored the file would not match them all.
    expect(new Set(recorded.map((r) => `${r.frames}/${r.tcpConversations}/${r.readToEnd}`)).size).toBeGreaterThan(5);
  }, 180_000);
});
