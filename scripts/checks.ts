/**
 * `npm run checks`: the tests' type-check, eslint and prettier (scripts/codeChecks.ts), side by
 * side; each says what it found, and the exit is 1 if any failed. `npm test` runs the same checks
 * as tests, beside the others (test/audit/codeChecks.test.ts).
 */
import { runCodeChecks } from './codeChecks.js';

const results = await runCodeChecks(process.cwd());
for (const r of results) {
  const verdict = r.code === 0 ? 'ok' : `FAILED (exit ${r.code})`;
  process.stdout.write(`checks: ${r.name}: ${verdict}, ${(r.ms / 1000).toFixed(1)} s\n`);
  if (r.code !== 0 || r.output.trim()) process.stdout.write(r.output.replace(/^/gm, '  '));
}
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
