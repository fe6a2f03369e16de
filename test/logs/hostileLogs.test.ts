/** Logs that are not logs: an endless stream with no line break, and lines too long to keep. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLog } from '../../src/logs/readLog.js';

const dir = mkdtempSync(join(tmpdir(), 'vimlogs-hostile-'));
const marker = 'vimts t=1795585079.208692197 id=i1 phase=build edge=end';

describe('hostile logs', () => {
  it('/dev/zero: given up after 64 MiB without a line break, with a warning', async () => {
    const t0 = Date.now();
    const log = await readLog('/dev/zero');
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(log.counters.cutLines).toBe(1);
    expect(log.warnings.map((w) => w.message)).toContainEqual(
      expect.stringMatching(/^no line break in 64 MiB: not a log/),
    );
  });

  it('a 3 MB line is cut and counted; the line after it is read', async () => {
    const f = join(dir, 'long.log');
    writeFileSync(f, `${'x'.repeat(3 << 20)}\n${marker}\n`);
    const log = await readLog(f);
    expect(log.counters.cutLines).toBe(1);
    expect(log.counters.lines).toBe(2);
    expect(log.events.some((e) => e.id === 'i1')).toBe(true);
    expect(log.warnings.map((w) => w.message)).toContainEqual(
      expect.stringMatching(/1 line\(s\) longer than 1048576 bytes/),
    );
  });
});
