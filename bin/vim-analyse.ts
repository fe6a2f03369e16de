#!/usr/bin/env node
/** Command-line wiring only: argv → library calls → stdout/stderr and exit codes. */
import { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { captureInfo } from '../src/pipeline/captureInfo.js';
import { infoText } from '../src/report/infoText.js';
import { UnusableInputError } from '../src/capture/types.js';

/** Exit codes: 0 ok, 1 internal error, 2 unusable input or usage. */
const exitUnusable = 2;

function fail(e: unknown): never {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof UnusableInputError) {
    process.stderr.write(`vim-analyse: ${err.message}\n`);
    process.exit(exitUnusable);
  }
  if (err && (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES')) {
    const what = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : 'permission denied';
    process.stderr.write(`vim-analyse: ${err.path ?? 'input'}: ${what}\n`);
    process.exit(exitUnusable);
  }
  process.stderr.write(`vim-analyse: internal error: ${err?.message ?? String(e)}\n`);
  if (process.env.VIM_ANALYSE_DEBUG) process.stderr.write(`${err?.stack}\n`);
  process.exit(1);
}

async function output(text: string, file?: string): Promise<void> {
  if (file) await writeFile(file, text);
  else process.stdout.write(text);
}

const program = new Command();
program
  .name('vim-analyse')
  .description('Where does the time go when a VIM (OpenStack Nova, HashiCorp Nomad) starts a VM?')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : exitUnusable));

program
  .command('info')
  .description('what a capture holds: format, link types, counts, time span, TCP connections')
  .argument('<capture>', 'pcap or pcapng file, gzip accepted; - for standard input')
  .option('--json', 'write JSON instead of a table')
  .option('-o, --output <file>', 'write to a file instead of standard output')
  .action(async (capture: string, opts: { json?: boolean; output?: string }) => {
    try {
      const info = await captureInfo(capture);
      await output(opts.json ? JSON.stringify(info, null, 2) + '\n' : infoText(info), opts.output);
    } catch (e) {
      fail(e);
    }
  });

await program.parseAsync(process.argv);
