import { defineConfig } from 'vitest/config';
import { sharedCaptureTests } from './test/helpers/testKinds.js';

/** Files that run the built CLI, a browser, network namespaces or tcpreplay. */
const system = ['test/bin/**/*.test.ts', 'test/live/**/*.test.ts', 'test/report/browser.test.ts'];
const capture = sharedCaptureTests(import.meta.dirname);
const audit = ['test/audit/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default', './test/helpers/summaryReporter.ts'],
    setupFiles: ['./test/helpers/captureLedger.ts'],
    // The run's folder: which shared captures each file used (read by test/audit/), shared analyses.
    globalSetup: ['./test/helpers/testRunDir.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...system, ...capture, ...audit] } },
      { extends: true, test: { name: 'capture', include: capture, exclude: system } },
      { extends: true, test: { name: 'system', include: system } },
      // After all the others: it reads what they noted.
      { extends: true, test: { name: 'audit', include: audit, sequence: { groupOrder: 1 } } },
    ],
  },
});
