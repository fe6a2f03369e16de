/**
 * `npm run checks`: the tests' type-check, eslint and prettier, run side by side; exits 1 if
 * any fails, after each has printed what it found. eslint runs as two processes, the
 * type-aware half (the compiled code, which builds a TypeScript program) and the tests (rules
 * without types), so that its longer half alone sets the wall time.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

interface Check {
  name: string;
  command: string;
  args: string[];
}

const eslint = ['lint/node_modules/.bin/eslint', '--config', 'lint/eslint.config.js', '--quiet'];
const checks: Check[] = [
  {
    name: 'eslint (compiled code, type-aware)',
    command: eslint[0],
    args: [...eslint.slice(1), 'src', 'bin', 'bench', 'fuzz', 'testkit', 'scripts'],
  },
  { name: 'eslint (tests)', command: eslint[0], args: [...eslint.slice(1), 'test', 'vitest.config.ts'] },
  { name: 'tests type-check', command: 'node_modules/.bin/tsc', args: ['-p', 'tsconfig.test.json'] },
  {
    name: 'prettier',
    command: 'lint/node_modules/.bin/prettier',
    args: ['--check', '--log-level', 'warn', '{src,bin,bench,fuzz,testkit,scripts,test}/**/*.ts', 'vitest.config.ts'],
  },
];

/** Runs one check to its end: its exit code and everything it wrote, in order. */
function run(check: Check): Promise<{ check: Check; code: number; output: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(check.command, check.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (e) => resolve({ check, code: 127, output: `${output}${e.message}\n`, ms: Date.now() - t0 }));
    child.on('close', (code) => resolve({ check, code: code ?? 1, output, ms: Date.now() - t0 }));
  });
}

if (!existsSync('lint/node_modules/.bin/eslint')) {
  process.stderr.write('checks: eslint and prettier are not installed: npm ci --prefix lint\n');
  process.exit(1);
}
const results = await Promise.all(checks.map(run));
for (const r of results) {
  const verdict = r.code === 0 ? 'ok' : `FAILED (exit ${r.code})`;
  process.stdout.write(`checks: ${r.check.name}: ${verdict}, ${(r.ms / 1000).toFixed(1)} s\n`);
  if (r.code !== 0 || r.output.trim()) process.stdout.write(r.output.replace(/^/gm, '  '));
}
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
