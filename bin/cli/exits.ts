/** How the CLI ends: exit codes and the one line it prints for an error. */
import { UnusableInputError } from '../../src/capture/types.js';
import { LiveCaptureError } from '../../src/live/types.js';
import { printable, visible } from '../../src/report/visible.js';

/** Exit codes: 0 ok, 1 internal error, 2 unusable input or usage. */
export const exitUnusable = 2;

/** One line on standard error and exit 2: the input or the usage cannot be worked with. */
export function unusable(line: string): never {
  process.stderr.write(`vim-analyse: ${line}\n`);
  process.exit(exitUnusable);
}

/**
 * Any error a command's work threw: one line (a stack trace only with VIM_ANALYSE_DEBUG; the CLI is
 * minified, so add NODE_OPTIONS=--enable-source-maps for one in TypeScript's names and lines).
 */
export function fail(e: unknown): never {
  const err = e as NodeJS.ErrnoException;
  if (
    e instanceof UnusableInputError ||
    e instanceof LiveCaptureError ||
    (e as Error)?.name === 'PngUnavailableError'
  ) {
    unusable(printable(err.message));
  }
  if (err && (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES')) {
    const what =
      err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : 'permission denied';
    unusable(`${visible(err.path ?? 'input')}: ${what}`);
  }
  process.stderr.write(`vim-analyse: internal error: ${printable(err?.message ?? String(e))}\n`);
  if (process.env.VIM_ANALYSE_DEBUG) process.stderr.write(`${err?.stack}\n`);
  process.exit(1);
}
