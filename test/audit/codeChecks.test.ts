/**
 * The code checks (`npm run checks`: the tests' type-check, eslint, prettier) as tests of the run.
 * Under `npm test` they were started with the run, at idle priority (test/helpers/backgroundChecks.ts),
 * and this file, in the `audit` project, runs after the others and waits for their results; run any
 * other way it runs them here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeChecks, runCodeChecks, type CodeCheckResult } from '../../scripts/codeChecks.js';
import { codeChecksFiles } from '../helpers/backgroundChecks.js';

const root = resolve(__dirname, '../..');

async function results(): Promise<CodeCheckResult[]> {
  const dir = process.env.VIM_ANALYSE_TEST_RUN_DIR;
  if (!dir || !existsSync(join(dir, codeChecksFiles.started))) return runCodeChecks(root);
  const file = join(dir, codeChecksFiles.results);
  for (const t0 = Date.now(); !existsSync(file) && Date.now() - t0 < 540_000;) await sleep(200);
  expect(existsSync(file), 'the checks started with the run wrote no result in 9 minutes').toBe(true);
  return JSON.parse(readFileSync(file, 'utf8')) as CodeCheckResult[];
}

describe('code checks: the tests type-check, eslint and prettier find nothing', () => {
  let got: CodeCheckResult[] = [];
  beforeAll(async () => {
    got = await results();
  }, 600_000);

  it.each(codeChecks.map((c) => c.name))('%s', (name) => {
    const r = got.find((x) => x.name === name);
    expect(r, `no result for ${name}`).toBeDefined();
    expect(r!.code, r!.output).toBe(0);
  });
});
