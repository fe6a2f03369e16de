/**
 * The run order's table of long files (test/helpers/runOrder.ts) names test files that exist: a
 * renamed or removed file left there would silently stop starting early.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { longFiles } from '../helpers/runOrder.js';

const root = resolve(__dirname, '../..');

describe('the run order', () => {
  it('lists as long only test files that exist, each once', () => {
    expect(longFiles.length).toBeGreaterThan(0);
    for (const f of longFiles) expect(existsSync(join(root, f)), f).toBe(true);
    expect(new Set(longFiles).size).toBe(longFiles.length);
  });
});
