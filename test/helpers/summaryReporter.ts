/**
 * Ends the test run with the plain line CI reads: `N passed, N failed[, N skipped]`.
 * Used beside vitest's default reporter (see vitest.config.ts). With CI=true a skipped test
 * fails the run: CI installs everything, so a skip there means a check that did not happen.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0,
      failed = 0,
      skipped = 0;
    const skippedNames: string[] = [];
    for (const m of testModules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') failedHere++;
        else {
          skipped++;
          skippedNames.push(`${m.moduleId}: ${t.fullName}`);
        }
      }
      // A file that failed outside any test (load error, failing beforeAll) counts as a failure.
      if (m.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    const skipsFail = skipped > 0 && process.env.CI === 'true';
    if (skipsFail) process.exitCode = 1;
    // Written after the default reporter's summary, on its own line.
    setImmediate(() => {
      if (skipsFail)
        process.stdout.write(
          `\nCI=true: skipped tests fail the run:\n${skippedNames.map((n) => `  ${n}`).join('\n')}\n`,
        );
      process.stdout.write(`\n${line}\n`);
    });
  }
}
