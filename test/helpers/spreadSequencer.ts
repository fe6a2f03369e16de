/**
 * The run's file order (vitest.config.ts): vitest's own (by groups, then projects, the longest or
 * largest file first), with the `system` files spread out among the first files of their group
 * instead of queued one after another. They run one at a time (systemLock.ts): queued together,
 * the second worker would sit waiting for the lock while the first replays.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Other files between two system files' starts: long enough for one system file to end before the next starts. */
const gap = 8;

export default class SpreadSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const system = sorted.filter((f) => f.project.name === 'system');
    const others = sorted.filter((f) => f.project.name !== 'system');
    // `others` starts with the system files' group (groupOrder 0), over a hundred files.
    for (const [i, f] of system.entries()) others.splice(i * (gap + 1), 0, f);
    return others;
  }
}
