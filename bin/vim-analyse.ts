#!/usr/bin/env node
/** Command-line wiring only: argv → library calls → stdout/stderr and exit codes; one file per command in commands/. */
import { Command } from 'commander';
import { exitUnusable } from './cli/exits.js';
import { analyseCommand } from './commands/analyse.js';
import { messagesCommand } from './commands/messages.js';
import { waterfallCommand } from './commands/waterfall.js';
import { figuresCommand } from './commands/figures.js';
import { compareCommand } from './commands/compare.js';
import { liveCommand } from './commands/live.js';
import { infoCommand } from './commands/info.js';

// Each command imports what it runs when it runs (commands/): loading every stage up front
// slowed every invocation, `info` most (the figure is in the commit that made it lazy).

// `vim-analyse … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command();
program
  .name('vim-analyse')
  .description('Where does the time go when a VIM (OpenStack Nova, HashiCorp Nomad) starts a VM?')
  .version('0.1.0')
  .showHelpAfterError()
  .enablePositionalOptions()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : exitUnusable));

// In this order in --help, as before the split.
for (const register of [
  analyseCommand,
  messagesCommand,
  waterfallCommand,
  figuresCommand,
  compareCommand,
  liveCommand,
  infoCommand,
]) {
  register(program);
}

await program.parseAsync(process.argv);
