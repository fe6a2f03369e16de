/** `vim-analyse info`: what a capture holds (format, link types, counts, time span, connections). */
import type { Command } from 'commander';
import { terminalText } from '../../src/report/visible.js';
import { fail } from '../cli/exits.js';
import { openOutput, output, progressFor } from '../cli/output.js';
import { chooseFormat, outputHelp, quietHelp } from '../cli/options.js';

export function infoCommand(program: Command): void {
  program
    .command('info')
    .description('what a capture holds: format, link types, counts, time span, TCP connections')
    .argument('<capture>', 'pcap or pcapng file, gzip accepted; - for standard input')
    .option('-f, --format <format>', "table or json; default: from -o's extension, else table")
    .option('--json', 'the same as --format json')
    .option('-o, --output <file>', outputHelp)
    .option('-q, --quiet', quietHelp)
    .action(async (capture: string, opts: { format?: string; json?: boolean; output?: string; quiet?: boolean }) => {
      const json = chooseFormat('info', opts, ['table', 'json'], 'table') === 'json';
      try {
        const outFd = openOutput(opts.output);
        const progress = await progressFor([capture], opts.quiet);
        const { captureInfo } = await import('../../src/pipeline/captureInfo.js');
        const { infoText } = await import('../../src/report/infoText.js');
        const info = await captureInfo(capture, { onProgress: progress });
        progress.done();
        await output(json ? JSON.stringify(info, null, 2) + '\n' : terminalText(infoText(info)), outFd);
      } catch (e) {
        fail(e);
      }
    });
}
