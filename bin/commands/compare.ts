/** `vim-analyse compare`: two configurations side by side, phase by phase, with Welch intervals. */
import type { Command } from 'commander';
import { terminalText } from '../../src/report/visible.js';
import { fail } from '../cli/exits.js';
import { openOutput, output } from '../cli/output.js';
import { checkVim, chooseFormat, collect, nomadApiPortHelp, nomadApiPortsOf, outputHelp } from '../cli/options.js';

interface CompareOptions {
  vim?: string;
  format?: string;
  json?: boolean;
  svg?: boolean;
  labels?: string;
  output?: string;
  logsA: string[];
  logsB: string[];
  nomadApiPort: string[];
}

export function compareCommand(program: Command): void {
  program
    .command('compare')
    .description('compare two configurations (e.g. stock vs tuned): phase means, difference, Welch 95% CI')
    .argument('<a>', 'capture of configuration A (several: join with commas)')
    .argument('<b>', 'capture of configuration B (several: join with commas)')
    .option('--vim <vim>', 'only this VIM: nova or nomad')
    .option('--nomad-api-port <port>', nomadApiPortHelp, collect, [] as string[])
    .option(
      '-f, --format <format>',
      'table, json or svg (the phase-breakdown chart, one bar per configuration); ' +
        "default: from -o's extension, else table",
    )
    .option('--json', 'the same as --format json')
    .option('--svg', 'the same as --format svg')
    .option('--labels <a,b>', 'names of the two configurations (default: the file names)')
    .option('--logs-a <[host=]path>', "compute-host log of configuration A's run; repeatable", collect, [] as string[])
    .option('--logs-b <[host=]path>', "compute-host log of configuration B's run; repeatable", collect, [] as string[])
    .option('-o, --output <file>', outputHelp)
    .action(async (a: string, b: string, opts: CompareOptions) => {
      const format = chooseFormat(
        'compare',
        { ...opts, format: opts.format ?? (opts.svg ? 'svg' : undefined) },
        ['table', 'json', 'svg'],
        'table',
      );
      try {
        const outFd = openOutput(opts.output);
        const labels = (opts.labels?.split(',') ?? [a, b]) as [string, string];
        const { compareCaptures } = await import('../../src/pipeline/compare.js');
        const { compareText } = await import('../../src/report/compareText.js');
        const { breakdownSvg } = await import('../../src/report/formatResult.js');
        const c = await compareCaptures(a.split(','), b.split(','), {
          vim: checkVim(opts.vim),
          nomadApiPorts: nomadApiPortsOf(opts.nomadApiPort),
          labels,
          sides: [{ logFiles: opts.logsA }, { logFiles: opts.logsB }],
        });
        const { results: _r, ...rest } = c;
        const text =
          format === 'svg'
            ? breakdownSvg([
                { label: labels[0], result: c.results[0] },
                { label: labels[1], result: c.results[1] },
              ])
            : format === 'json'
              ? JSON.stringify(rest, null, 2) + '\n'
              : terminalText(compareText(c));
        await output(text, outFd);
      } catch (e) {
        fail(e);
      }
    });
}
