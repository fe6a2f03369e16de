/**
 * A reporter (vitest.config.ts) that, with VIM_ANALYSE_BACKGROUND_CHECKS=1 (set by `npm test`),
 * starts the code checks (scripts/codeChecks.ts) when the run starts, as idle-priority processes:
 * they take only the CPU time the test files leave (vitest's start, which is mostly one core, the
 * live files' replays and waits, a worker between two files), so they add little wall time. Their
 * results go to the run's folder (made by the global setup, after the run's start: the marker that
 * they started is written with the first file); test/audit/codeChecks.test.ts, which runs last,
 * waits for them.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Reporter } from 'vitest/node';
import { runCodeChecks, type CodeCheckResult } from '../../scripts/codeChecks.js';

/** In the run's folder (VIM_ANALYSE_TEST_RUN_DIR): written when the checks run and a file starts; their results when they end. */
export const codeChecksFiles = { started: 'code-checks.started', results: 'code-checks.json' };

export default class BackgroundChecks implements Reporter {
  private readonly stop = new AbortController();
  private running = false;
  private marked = false;
  /** Results that came before the run's folder did, written with the marker. */
  private early: CodeCheckResult[] | undefined;

  onTestRunStart(): void {
    if (this.running || process.env.VIM_ANALYSE_BACKGROUND_CHECKS !== '1') return;
    this.running = true;
    void runCodeChecks(resolve(__dirname, '../..'), { idle: true, signal: this.stop.signal }).then((results) => {
      const dir = process.env.VIM_ANALYSE_TEST_RUN_DIR;
      if (dir) writeResults(dir, results);
      else this.early = results;
    });
  }

  onTestModuleStart(): void {
    const dir = process.env.VIM_ANALYSE_TEST_RUN_DIR;
    if (!this.running || this.marked || !dir) return;
    this.marked = true;
    writeFileSync(join(dir, codeChecksFiles.started), '');
    if (this.early) writeResults(dir, this.early);
  }

  onTestRunEnd(): void {
    this.stop.abort();
  }
}

function writeResults(dir: string, results: CodeCheckResult[]): void {
  const file = join(dir, codeChecksFiles.results);
  try {
    writeFileSync(`${file}.part`, JSON.stringify(results));
    renameSync(`${file}.part`, file);
  } catch {
    // The run ended (its folder removed) before the checks did: nobody waits for them.
  }
}
