/** The main job (no command word): captures → phase statistics, requests, in any result format. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { formatsWithMessages, resultFormats, type ResultFormat } from '../../src/report/resultFormats.js';
import { terminalText } from '../../src/report/visible.js';
import { fail, unusable } from '../cli/exits.js';
import { openOutputs, output, progressFor } from '../cli/output.js';
import {
  checkVim,
  collect,
  limitsOf,
  nomadApiPortHelp,
  nomadApiPortsOf,
  parseOffsets,
  quietHelp,
  tlsKeylogHelp,
  withLimitOptions,
  workersHelp,
  workersOf,
  type LimitOptionValues,
} from '../cli/options.js';
import { outputListHelp, outputListOf } from '../cli/outputList.js';

interface AnalyseOptions extends LimitOptionValues {
  vim?: string;
  format?: string;
  json?: boolean;
  requests?: boolean;
  output: string[];
  logs: string[];
  clockOffset: string[];
  quiet?: boolean;
  tlsKeylog?: string;
  nomadApiPort: string[];
  workers?: string;
}

export function analyseCommand(program: Command): void {
  withLimitOptions(program)
    .argument('[captures...]', 'capture files of one experiment (pcap, pcapng, gzip; - for standard input)')
    .option('--vim <vim>', 'only this VIM: nova or nomad (default: detected)')
    .option('--nomad-api-port <port>', nomadApiPortHelp, collect, [] as string[])
    .option(
      '-f, --format <format>',
      `output format: ${resultFormats.join(', ')} (default: from -o's extension, else table)`,
    )
    .option('--json', 'the same as --format json')
    .option('--requests', 'one row per request in the table')
    .option(
      '--logs <[host=]path>',
      'compute-host log to merge (vimts markers, oslo.log, Nomad client logs; gzip ok); repeatable',
      collect,
      [] as string[],
    )
    .option(
      '--clock-offset <host=offset>',
      "a host's known clock offset (its clock minus the capture's) with its unit, e.g. compute1=12.5ms " +
        '(ms, s, us, ns), overriding the estimate; repeatable',
      collect,
      [] as string[],
    )
    .option('--tls-keylog <file>', tlsKeylogHelp)
    .option('-o, --output <[format=]file>', outputListHelp, collect, [] as string[])
    .option('-q, --quiet', quietHelp)
    .option('--workers <n>', workersHelp)
    .action(async (captures: string[], opts: AnalyseOptions) => {
      if (captures.length === 0) {
        program.help({ error: true });
      }
      // `vim-analyse analyze x.pcap`: a word that is no file is a mistyped command, not a capture.
      const first = captures[0];
      if (/^[a-z][a-z-]*$/.test(first) && !existsSync(first)) {
        const commands = program.commands.map((c) => c.name()).join(', ');
        unusable(`unknown command '${first}' (commands: ${commands}; or give capture files)`);
      }
      const outputs = outputListOf('main', opts, resultFormats, 'table') as { file: string; format: ResultFormat }[];
      try {
        const fds = openOutputs(outputs.map((o) => o.file));
        const progress = await progressFor(captures, opts.quiet);
        const options = {
          vim: checkVim(opts.vim),
          nomadApiPorts: nomadApiPortsOf(opts.nomadApiPort),
          logFiles: opts.logs,
          clockOffsets: parseOffsets(opts.clockOffset),
          onProgress: progress,
          tlsKeyLogFile: opts.tlsKeylog,
          workers: workersOf(opts.workers),
          ...limitsOf(opts),
        };
        const { analyse, analyseStreamed, analyseWithMessages } = await import('../../src/pipeline/analyse.js');
        const { resultJsonChunks } = await import('../../src/report/resultJson.js');
        if (outputs.length === 1 && outputs[0].format === 'json') {
          // Each request's object is made as it is written, not all of them first.
          const { result, requests } = await analyseStreamed(captures, options);
          progress.done();
          await output(resultJsonChunks(result, requests), fds[0]);
          return;
        }
        const { formatResult } = await import('../../src/report/formatResult.js');
        const { result, messages } = outputs.some((o) => formatsWithMessages.has(o.format))
          ? await analyseWithMessages(captures, options)
          : { result: await analyse(captures, options), messages: undefined };
        progress.done();
        for (const [i, { format }] of outputs.entries()) {
          if (format === 'json') {
            await output(resultJsonChunks(result), fds[i]);
            continue;
          }
          const formatted = formatResult(result, format, { requests: opts.requests, messages });
          // The text forms pass the terminal's choke point whole (fields were made visible one by one).
          await output(
            typeof formatted === 'string' && format === 'table' ? terminalText(formatted) : formatted,
            fds[i],
          );
        }
      } catch (e) {
        fail(e);
      }
    });
}
