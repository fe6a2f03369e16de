/**
 * The run's file order (vitest.config.ts): vitest's own (by groups, then projects, the longest or,
 * without its results cache, as in CI, the largest file first), with
 *  - the files `longFiles` names first in their project, in its order: a long
 *    file that is small on disk (a corpus read, a CLI run per case) otherwise starts last and
 *    the run ends on it with the other worker idle;
 *  - the system files (testKinds.ts) spread out among the first files of their project instead of
 *    queued one after another. They run one at a time (systemLock.ts): queued together, the second
 *    worker would sit waiting for the lock while the first replays.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { systemTests } from './testKinds.js';

/**
 * Files that take 4 s or more (CI=true npm test on two cores, no results cache), longest first.
 * A file missing here only starts later; one listed that is not long only starts earlier.
 */
export const longFiles = [
  'test/bin/outputChoice.test.ts',
  'test/pipeline/parallelCapture.test.ts',
  'test/bin/cli.test.ts',
  'test/bin/novaNetSecrets.capture.test.ts',
  'test/report/browser.test.ts',
  'test/corpus/committedReference.test.ts',
  'test/net/tshark.capture.test.ts',
  'test/hardening/invariants.test.ts',
  'test/corpus/publicCaptures.test.ts',
  'test/pipeline/novaBehindHaproxy.test.ts',
  'test/net/encapsulations.test.ts',
  'test/pipeline/tls.test.ts',
  'test/net/connectionFlood.test.ts',
  'test/pipeline/messageJoin.test.ts',
  'test/protocols/tls/decrypt.test.ts',
  'test/pipeline/vantage.capture.test.ts',
];

/** Other files between two system files' starts: long enough for one system file to end before the next starts. */
const gap = 8;

export default class RunOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = longFiles.indexOf(relative(f.project.config.root, f.moduleId));
      return i < 0 ? longFiles.length : i;
    };
    // Array.prototype.sort is stable: within a project, the rest keep vitest's order.
    const sorted = (await super.sort(files)).map((f, i) => ({ f, i }));
    const project = new Map(sorted.map(({ f, i }) => [f.project.name, i] as const).reverse());
    sorted.sort((a, b) => project.get(a.f.project.name)! - project.get(b.f.project.name)! || rank(a.f) - rank(b.f));
    return this.spread(sorted.map(({ f }) => f));
  }

  private spread(sorted: TestSpecification[]): TestSpecification[] {
    const isSystem = (f: TestSpecification) => systemTests.includes(relative(f.project.config.root, f.moduleId));
    const system = sorted.filter(isSystem);
    if (system.length === 0) return sorted;
    const systemGroup = system[0].project.config.sequence.groupOrder;
    const inGroup = (f: TestSpecification) => f.project.config.sequence.groupOrder === systemGroup;
    // The files of the system files' group, over a hundred; the pool runs each group apart, so the others' place
    // in the list does not matter.
    const beside = sorted.filter((f) => !isSystem(f) && inGroup(f));
    const apart = sorted.filter((f) => !inGroup(f));
    // Each among its own project's files: a worker keeps its process only for a next file of the same project.
    const placed = new Map<string, number>();
    for (const f of system) {
      const k = placed.get(f.project.name) ?? 0;
      placed.set(f.project.name, k + 1);
      const first = beside.findIndex((g) => g.project.name === f.project.name);
      beside.splice(Math.max(0, first) + k * (gap + 1), 0, f);
    }
    return [...apart, ...beside];
  }
}
