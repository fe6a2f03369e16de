/**
 * fixtures/corpus/reference.tsv is tshark's reading of the committed corpus subset, not a
 * copy of our own: tshark is run again on each capture (as scripts/corpus/reference.sh runs
 * it: one pass, `-T fields -e frame.number -z conv,tcp`) and must give the recorded frames,
 * TCP conversations and whether it read the file to its end. tshark is required (CI
 * installs it with apt): without it the test fails. It costs a tshark start-up per file (about
 * 0.25 s of CPU each, two at a time): the price of checking every recorded number.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureCorpusDir, fixtureReferencePath, readReference } from '../../testkit/corpus.js';
import { requireTshark, tshark } from '../helpers/tshark.js';

interface Reading {
  file: string;
  frames: number;
  conversations: number;
  readToEnd: boolean;
}

function tsharkReading(suite: string, file: string): Promise<Reading> {
  return new Promise((done) => {
    execFile(
      tshark,
      ['-n', '-r', join(fixtureCorpusDir, suite, file), '-T', 'fields', '-e', 'frame.number', '-z', 'conv,tcp'],
      { maxBuffer: 1 << 24 },
      (error, stdout) => {
        const lines = stdout.split('\n');
        done({
          file: `${suite}/${file}`,
          frames: lines.filter((l) => /^\d+$/.test(l)).length,
          conversations: lines.filter((l) => l.includes('<->')).length,
          readToEnd: error === null,
        });
      },
    );
  });
}

describe('fixtures/corpus/reference.tsv', () => {
  it('is what tshark reads from each committed capture now', async () => {
    requireTshark();
    const rows = readReference(fixtureReferencePath);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    const recorded = rows.map((r): Reading => ({
      file: `${r.suite}/${r.file}`,
      frames: r.tsharkFrames,
      conversations: r.tsharkTcpConversations,
      readToEnd: r.tsharkStatus === 'ok',
    }));
    // Two tshark processes at a time: each small file costs mostly tshark's start-up.
    const now: Reading[] = [];
    for (let i = 0; i < rows.length; i += 2)
      now.push(...(await Promise.all(rows.slice(i, i + 2).map((r) => tsharkReading(r.suite, r.file)))));
    expect(now).toEqual(recorded);
    // 40 tshark start-ups of about 0.25 s of CPU each; on a loaded machine each waits for a core.
  }, 180_000);
});
