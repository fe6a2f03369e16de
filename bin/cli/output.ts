/** Where a command's output goes: standard output or `-o FILE`, and the progress line on stderr. */
import { stat } from 'node:fs/promises';
import { closeSync, createWriteStream, existsSync, fstatSync, ftruncateSync, openSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createProgress } from '../../src/report/progressBar.js';

/** Inputs smaller than this are read too fast for a progress line to help. */
const progressMinBytes = 8 * 1024 * 1024;

/**
 * `-o FILE` is opened before any capture is read: a bad path is one line and exit 2 at
 * once, not a stack trace (or an unhandled 'error' event) after the analysis.
 */
export function openOutput(file: string | undefined): number | undefined {
  return openOutputs([file ?? '-'])[0];
}

/**
 * Several `-o FILE`s, opened before any capture is read, none changed unless all open: each is
 * opened without truncating (a file made here is removed again if a later one fails), then emptied.
 */
export function openOutputs(files: string[]): (number | undefined)[] {
  const opened: { fd: number; file: string; made: boolean }[] = [];
  let fds: (number | undefined)[];
  try {
    fds = files.map((file) => {
      if (file === '-') return undefined;
      const made = !existsSync(file);
      const fd = openSync(file, 'a');
      opened.push({ fd, file, made });
      return fd;
    });
  } catch (e) {
    for (const o of opened) {
      closeSync(o.fd);
      if (o.made) rmSync(o.file, { force: true });
    }
    throw e;
  }
  // A device or a pipe (-o /dev/null) has nothing to empty.
  for (const o of opened) if (fstatSync(o.fd).isFile()) ftruncateSync(o.fd, 0);
  return fds;
}

export async function output(text: string | Uint8Array | Iterable<string>, fd?: number): Promise<void> {
  if (fd === undefined && (typeof text === 'string' || text instanceof Uint8Array)) {
    process.stdout.write(text);
    return;
  }
  // Pieces (the JSON result): written as made, with backpressure.
  const out = fd !== undefined ? createWriteStream('', { fd }) : process.stdout;
  for (const piece of typeof text === 'string' || text instanceof Uint8Array ? [text] : text) {
    if (!out.write(piece)) await once(out, 'drain');
  }
  if (fd !== undefined) {
    (out as ReturnType<typeof createWriteStream>).end();
    await once(out, 'finish');
  }
}

/** Lines written in batches, with backpressure, to standard output or the file `fd`. */
export async function outputLines(lines: Iterable<string>, fd?: number): Promise<void> {
  // One string (or one array) of every line would hold a second copy of the messages on big captures.
  const out = fd !== undefined ? createWriteStream('', { fd }) : process.stdout;
  let batch: string[] = [];
  for (const line of lines) {
    batch.push(line);
    if (batch.length === 5000) {
      if (!out.write(batch.join('\n') + '\n')) await once(out, 'drain');
      batch = [];
    }
  }
  if (batch.length && !out.write(batch.join('\n') + '\n')) await once(out, 'drain');
  if (fd !== undefined) {
    (out as ReturnType<typeof createWriteStream>).end();
    await once(out, 'finish');
  }
}

export type Progress = ((bytesRead: number) => void) & { done(): void };

/** A progress line on stderr for big inputs read from a terminal session (not with --quiet). */
export async function progressFor(files: string[], quiet?: boolean): Promise<Progress> {
  const noop = Object.assign(() => {}, { done() {} });
  if (quiet || !process.stderr.isTTY) return noop;
  let total = 0;
  for (const f of files) total += f === '-' ? 0 : (await stat(f).catch(() => ({ size: 0 }))).size;
  if (total < progressMinBytes) return noop;
  const p = createProgress(total, process.stderr);
  // Several files are read one after the other: add up what each has read.
  let base = 0,
    last = 0;
  return Object.assign(
    (n: number) => {
      if (n < last) base += last;
      last = n;
      p.update(base + n);
    },
    { done: () => p.done() },
  );
}
