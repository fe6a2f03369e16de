/**
 * The code checks: the tests' type-check, eslint and prettier, as a table, run
 * side by side. eslint is one process over everything (lint/eslint.config.js gives the compiled code
 * the type-aware rules, the tests those without types): under `npm test` the checks take the CPU the
 * tests leave, so one start-up and one config load cost less than a second process would gain. Used by
 * `npm run checks` (scripts/checks.ts) and, as tests, by `npm test` (test/audit/codeChecks.test.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setPriority } from 'node:os';

export interface CodeCheck {
  name: string;
  command: string;
  args: string[];
}

export interface CodeCheckResult {
  name: string;
  /** The exit code; 127 when the command could not start. */
  code: number;
  /** Standard output and error, as written. */
  output: string;
  ms: number;
}

const eslint = ['--config', 'lint/eslint.config.js', '--quiet'];
/** The type-check and prettier run as package.json says (`npm run`); eslint's folders are named here. */
export const codeChecks: CodeCheck[] = [
  {
    name: 'eslint',
    command: 'lint/node_modules/.bin/eslint',
    args: [...eslint, 'src', 'bin', 'bench', 'fuzz', 'testkit', 'scripts', 'test', 'vitest.config.ts'],
  },
  { name: 'tests type-check', command: 'npm', args: ['run', '-s', 'typecheck:tests'] },
  { name: 'prettier', command: 'npm', args: ['run', '-s', 'format:check', '--', '--log-level', 'warn'] },
];

/** What to tell when eslint and prettier's own package is missing. */
export const lintMissing = 'eslint and prettier are not installed: npm ci --prefix lint';

/**
 * Runs one check to its end in `root`. `idle`: as a SCHED_IDLE process (chrt; its children inherit
 * it), which takes only CPU time nothing else wants, so that checks run beside the tests do not slow them.
 */
function runCheck(check: CodeCheck, root: string, idle: boolean, signal?: AbortSignal): Promise<CodeCheckResult> {
  const t0 = Date.now();
  const chrt = idle && existsSync('/usr/bin/chrt');
  const [command, args] = chrt
    ? ['/usr/bin/chrt', ['--idle', '0', check.command, ...check.args]]
    : [check.command, check.args];
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], signal });
    if (idle && !chrt && child.pid !== undefined) setPriority(child.pid, 19);
    let output = '';
    const end = (code: number) => resolve({ name: check.name, code, output, ms: Date.now() - t0 });
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (e) => {
      output += `${e.message}\n`;
      end(127);
    });
    child.on('close', (code) => end(code ?? 1));
  });
}

/** Every check, side by side, in the repository at `root`; `signal` stops those still running. */
export async function runCodeChecks(
  root: string,
  options: { idle?: boolean; signal?: AbortSignal } = {},
): Promise<CodeCheckResult[]> {
  if (!existsSync(`${root}/lint/node_modules/.bin/eslint`))
    return codeChecks.map((c) => ({ name: c.name, code: 127, output: lintMissing, ms: 0 }));
  return Promise.all(codeChecks.map((c) => runCheck(c, root, options.idle ?? false, options.signal)));
}
