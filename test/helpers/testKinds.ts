/**
 * Which test files use the shared captures: those that import a capture accessor from
 * groundTruth.ts or analysedCaptures.ts. vitest.config.ts puts them in the `capture` project; the audit checks each ran.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const accessors = [
  'capturePath',
  'sharedFile',
  'runsOf',
  'secretsOf',
  'sharedCaptureRoot',
  'sharedCaptures',
  'analysedCapture',
  'capturedMessages',
];
const groundTruthImport =
  /import\s*\{([^}]*)\}\s*from\s*'(?:\.\.?\/)+(?:helpers\/)?(?:groundTruth|analysedCaptures)\.js'/g;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

/** Test files (relative to `root`, `/`-separated) that import a shared-capture accessor. */
export function sharedCaptureTests(root: string): string[] {
  return testFiles(join(root, 'test'))
    .filter((f) => {
      const names = [...readFileSync(f, 'utf8').matchAll(groundTruthImport)].flatMap((m) =>
        m[1].split(',').map((n) => n.replace(/^\s*type\s+/, '').trim()),
      );
      return names.some((n) => accessors.includes(n));
    })
    .map((f) => relative(root, f).split('\\').join('/'))
    .sort();
}

/**
 * The system files: they capture live in network namespaces with tcpreplay, or push to a server on timeouts. They
 * run in their own project's workers (unit or capture) but one at a time (systemLock.ts), so that two replays and
 * captures never share the cores each capture counts on; runOrder.ts spreads them among their project's files.
 */
export const systemTests = [
  'test/live/live.test.ts',
  'test/live/liveService.test.ts',
  'test/live/otlpPush.test.ts',
  'test/live/pcapDrops.test.ts',
  'test/live/captureSocketCounters.test.ts',
];

/**
 * Whether the test file at `file` (relative to `root`) may have skipped in this run: outside CI, a file with a
 * `skipIf` skips without root or a tool, and a skipped file runs no hook; with CI=true none may (the run fails on a
 * skip). The audits use it to tell a file that did not run from one that did nothing.
 */
export function mayBeSkipped(root: string, file: string): boolean {
  return process.env.CI !== 'true' && /\.skipIf\(/.test(readFileSync(join(root, file), 'utf8'));
}
