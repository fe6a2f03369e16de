/** `vim-analyse messages`: one line per decoded VIM message, as text or NDJSON. */
import type { Command } from 'commander';
import type { MessageLine } from '../../src/result/types.js';
import { messageLineText } from '../../src/report/messageLineText.js';
import { fail } from '../cli/exits.js';
import { openOutputs, outputLines, progressFor } from '../cli/output.js';
import { outputListHelp, outputListOf } from '../cli/outputList.js';
import {
  checkVim,
  collect,
  limitsOf,
  nomadApiPortHelp,
  nomadApiPortsOf,
  quietHelp,
  tlsKeylogHelp,
  withLimitOptions,
  type LimitOptionValues,
} from '../cli/options.js';

interface MessagesOptions extends LimitOptionValues {
  format?: string;
  json?: boolean;
  vim?: string;
  match: string[];
  filter: string[];
  output: string[];
  tlsKeylog?: string;
  legs?: boolean;
  quiet?: boolean;
  nomadApiPort: string[];
}

function* kept(lines: Iterable<MessageLine>, match: string[], line: (m: MessageLine) => string): Iterable<string> {
  for (const m of lines)
    if (match.length === 0 || match.some((f) => m.service.includes(f) || m.name.includes(f))) yield line(m);
}

export function messagesCommand(program: Command): void {
  withLimitOptions(program.command('messages'))
    .description('one line per decoded VIM message (HTTP exchange, RPC call/cast, notification, Nomad RPC)')
    .argument('<captures...>', 'capture files')
    .option(
      '-f, --format <format>',
      "text or json (NDJSON, one message per line); default: from -o's extension, else text",
    )
    .option('--json', 'the same as --format json')
    .option('--vim <vim>', 'only this VIM: nova or nomad')
    .option('--nomad-api-port <port>', nomadApiPortHelp, collect, [] as string[])
    .option(
      '--match <text>',
      'keep messages whose service or name contains this text (repeatable)',
      collect,
      [] as string[],
    )
    .option('--filter <text>', 'deprecated: --match (live --bpf is the BPF filter)', collect, [] as string[])
    .option('-q, --quiet', quietHelp)
    .option('--tls-keylog <file>', tlsKeylogHelp)
    .option('--legs', 'a call through a reverse proxy on both legs (caller → proxy and proxy → backend), not once')
    .option('-o, --output <[format=]file>', outputListHelp, collect, [] as string[])
    .action(async (captures: string[], opts: MessagesOptions) => {
      const outputs = outputListOf('messages', opts, ['text', 'json'], 'text');
      if (opts.filter.length) process.stderr.write('vim-analyse: messages --filter is deprecated: use --match\n');
      const match = [...opts.match, ...opts.filter];
      try {
        const fds = openOutputs(outputs.map((o) => o.file));
        const progress = await progressFor(captures, opts.quiet);
        const { messageLines } = await import('../../src/pipeline/analyse.js');
        const lines = await messageLines(captures, {
          vim: checkVim(opts.vim),
          nomadApiPorts: nomadApiPortsOf(opts.nomadApiPort),
          tlsKeyLogFile: opts.tlsKeylog,
          legs: opts.legs,
          onProgress: progress,
          ...limitsOf(opts),
        });
        progress.done();
        for (const [i, { format }] of outputs.entries())
          await outputLines(kept(lines, match, format === 'json' ? (m) => JSON.stringify(m) : messageLineText), fds[i]);
        if (lines.notKept) {
          process.stderr.write(
            `vim-analyse: ${lines.notKept} later messages not listed: more than --max-messages ${opts.maxMessages}\n`,
          );
        }
      } catch (e) {
        fail(e);
      }
    });
}
