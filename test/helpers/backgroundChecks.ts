/**
 * A reporter (vitest.config.ts) that, with VIM_ANALYSE_BACKGROUND_CHECKS=1 (set by `npm test`),
 * starts the code checks (scripts/codeChecks.ts) when the run's first file starts, as idle-priority
 * processes: they take only the CPU time the test files leave (the live files' replays and waits,
 * a worker between two files), so they add little wall time. Their results go to the run's folder;
 * test/audit/codeChecks.test.ts, which runs last, waits for them.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Reporter } from 'vitest/node';
import { runCodeChecks } from '../../scripts/codeChecks.js';

/** In the run's folder (VIM_ANALYSE_TEST_RUN_DIR): written when the checks start, and their results when they end. */
export const codeChecksFiles = { started: 'code-checks.started', results: 'code-checks.json' };

export default class BackgroundChecks implements Reporter {
  private readonly stop = new AbortController();
  private started = false;

  onTestModuleStart(): void {
    const dir = process.env.VIM_ANALYSE_TEST_RUN_DIR;
    if (this.started || !dir || process.env.VIM_ANALYSE_BACKGROUND_CHECKS !== '1') return;
    this.started = true;
    writeFileSync(join(dir, codeChecksFiles.started), '');
    void runCodeChecks(resolve(__dirname, '../..'), { idle: true, signal: this.stop.signal }).then((results) => {
      const file = join(dir, codeChecksFiles.results);
      try {
        writeFileSync(`${file}.part`, JSON.stringify(results));
        renameSync(`${file}.part`, file);
      } catch {
        // The run ended (its folder removed) before the checks did: nobody waits for them.
      }
    });
  }

  onTestRunEnd(): void {
    this.stop.abort();
  }
}
