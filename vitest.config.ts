import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { sharedCaptureTests } from './test/helpers/testKinds.js';
import RunOrder from './test/helpers/runOrder.js';

/** Files that assert a wall-clock time: they run alone, first, so no other test file takes their core. */
const timed = [
  'test/protocols/http/hostileFraming.test.ts',
  'test/logs/hostileLogs.test.ts',
  'test/bin/filesAndExits.test.ts',
];
/** Files that bound their own process's peak RSS: a fresh process each, not a worker earlier files grew. */
const ownProcess = ['test/hardening/fuzz.test.ts'];
const capture = sharedCaptureTests(import.meta.dirname);
const audit = ['test/audit/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // vitest's order, the long files first, the one-at-a-time system files spread among the others.
    sequence: { sequencer: RunOrder },
    // At least two workers (vitest's default in a run is cores − 1: one on two cores): much of a
    // file's time is a child process (tshark, the CLI) or a wait, which left a core idle.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // backgroundChecks: under `npm test`, the code checks start with the run, at idle priority (read by test/audit/).
    reporters: ['default', './test/helpers/summaryReporter.ts', './test/helpers/backgroundChecks.ts'],
    setupFiles: ['./test/helpers/captureLedger.ts', './test/helpers/cpuLedger.ts'],
    // The run's folder: which shared captures each file used (read by test/audit/), shared analyses.
    globalSetup: ['./test/helpers/testRunDir.ts'],
    // Groups run in their order: the timed files first (1; vitest runs a one-worker group 0 last), then the others
    // side by side (2), then the audit (3).
    projects: [
      // isolate: false: a worker runs file after file without a new process and module graph each
      // (no test file changes globals; captureLedger.ts restarts its per-file note).
      // The system files (testKinds.ts: live capture, tcpreplay) are no project of their own: a worker keeps its
      // process only for a next file of the same project, so five of them among the others cost ten fresh
      // workers a run. They run in these workers, one at a time under the lock systemLock.ts takes for them.
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...timed, ...capture, ...audit, ...ownProcess],
          setupFiles: ['./test/helpers/systemLock.ts'],
          isolate: false,
          sequence: { groupOrder: 2 },
        },
      },
      {
        extends: true,
        test: {
          name: 'capture',
          include: capture,
          exclude: [...timed, ...ownProcess],
          setupFiles: ['./test/helpers/systemLock.ts'],
          isolate: false,
          sequence: { groupOrder: 2 },
        },
      },
      { extends: true, test: { name: 'own-process', include: ownProcess, sequence: { groupOrder: 2 } } },
      // First, one file at a time: their wall-clock bounds share the machine with no other test file, only with
      // the code checks, which start with them at idle priority and so take the core they leave.
      {
        extends: true,
        test: { name: 'timed', include: timed, maxWorkers: 1, isolate: false, sequence: { groupOrder: 1 } },
      },
      // After all the others: it reads what they noted, and the code checks' results.
      // One process for all (isolate: false): they read files and run for milliseconds; a fork each cost more.
      {
        extends: true,
        test: { name: 'audit', include: audit, maxWorkers: 1, isolate: false, sequence: { groupOrder: 3 } },
      },
    ],
  },
});
