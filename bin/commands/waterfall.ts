/** `vim-analyse waterfall`: one request's phases and messages on a time axis (SVG). */
import type { Command } from 'commander';
import { visible } from '../../src/report/visible.js';
import { fail, unusable } from '../cli/exits.js';
import { openOutput, output } from '../cli/output.js';
import { collect, nomadApiPortHelp, nomadApiPortsOf, outputHelp } from '../cli/options.js';

/** Ids shown when the one asked for matches no request, or several. */
const idsShown = 5;

export function waterfallCommand(program: Command): void {
  program
    .command('waterfall')
    .description("one request's phases and messages on a time axis, hosts as lanes (SVG)")
    .argument('<capture>', 'capture file')
    .argument('<request-id>', 'server uuid, alloc id, or a unique prefix of one')
    .option('--logs <[host=]path>', 'compute-host log to merge; repeatable', collect, [] as string[])
    .option('--nomad-api-port <port>', nomadApiPortHelp, collect, [] as string[])
    .option('-o, --output <file>', outputHelp)
    .action(async (capture: string, id: string, opts: { logs: string[]; output?: string; nomadApiPort: string[] }) => {
      try {
        const outFd = openOutput(opts.output);
        const { analyseWithMessages } = await import('../../src/pipeline/analyse.js');
        const { waterfallSvg } = await import('../../src/report/waterfallSvg.js');
        const { result, messages } = await analyseWithMessages(capture, {
          logFiles: opts.logs,
          nomadApiPorts: nomadApiPortsOf(opts.nomadApiPort),
        });
        const found = result.requests.filter(
          (r) => r.id === id || r.id.startsWith(id) || Object.values(r.keys).includes(id),
        );
        if (found.length !== 1) {
          const which = found.length
            ? `'${visible(id)}' matches ${found.length} requests`
            : `no request '${visible(id)}' in ${visible(capture)}`;
          const ids = result.requests.slice(0, idsShown).map((r) => visible(r.id));
          unusable(`${which}; ids: ${ids.join(', ')}${result.requests.length > idsShown ? ', …' : ''}`);
        }
        await output(waterfallSvg(found[0], messages), outFd);
      } catch (e) {
        fail(e);
      }
    });
}
