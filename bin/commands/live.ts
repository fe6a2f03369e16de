/** `vim-analyse live`: sniff an interface, print each VM start as it completes, a summary at the stop. */
import type { Command } from 'commander';
import { resultFormats, type ResultFormat } from '../../src/report/resultFormats.js';
import { terminalText } from '../../src/report/visible.js';
import { defaultCaptureBufferBytes, type LiveStats } from '../../src/live/types.js';
import { fail, unusable } from '../cli/exits.js';
import { openOutput, output } from '../cli/output.js';
import { checkVim, chooseFormat, collect, nomadApiPortHelp, nomadApiPortsOf } from '../cli/options.js';
import { nomadApiPort } from '../../src/dissectors/nomad/httpEvents.js';

/** Seconds between rolling phase summaries unless --summary-every says otherwise. */
const defaultSummaryEverySec = 30;

interface LiveCommandOptions {
  interface: string;
  bpf?: string;
  filter?: string;
  vim?: string;
  write?: string;
  force?: boolean;
  json?: boolean;
  format?: string;
  summaryEvery: string;
  bufferSize: string;
  metrics?: string;
  retain?: string;
  otlpEndpoint?: string;
  logs: string[];
  output?: string;
  nomadApiPort: string[];
}

/** --otlp-endpoint as the traces URL to push to; a bad one exits 2. */
async function otlpEndpointOf(given: string | undefined): Promise<string | undefined> {
  if (given === undefined) return undefined;
  const { otlpTracesUrl } = await import('../../src/live/otlpPush.js');
  return (
    otlpTracesUrl(given) ||
    unusable(`--otlp-endpoint takes an http(s) URL (e.g. http://collector:4318), not '${given}'`)
  );
}

export function liveCommand(program: Command): void {
  program
    .command('live')
    .description('sniff an interface and print each VM start as it completes; Ctrl-C for the final summary')
    .requiredOption('-i, --interface <iface>', 'interface to capture on (e.g. eth1, any)')
    .option('--bpf <expression>', 'BPF capture filter (default: the Nova and Nomad ports)')
    .option('--filter <expression>', 'the same as --bpf (deprecated name)')
    .option('--vim <vim>', 'only this VIM: nova or nomad')
    .option(
      '--nomad-api-port <port>',
      `${nomadApiPortHelp}; the default --bpf filter takes it instead of ${nomadApiPort}`,
      collect,
      [] as string[],
    )
    .option(
      '--write <file>',
      'also write the captured packets to this pcapng file (a new file: never through a symbolic link)',
    )
    .option('--force', 'let --write replace an existing file')
    .option('--json', 'the same as --format json')
    .option(
      '-f, --format <format>',
      `${resultFormats.join(', ')}; json: NDJSON events (stream-event.schema.json), each request as it completes, ` +
        "summaries, updates, the result; else the final summary in it; default: from -o's extension, else table",
    )
    .option('--summary-every <seconds>', 'rolling phase summary period (0: none)', String(defaultSummaryEverySec))
    .option(
      '-B, --buffer-size <KiB>',
      'capture ring size in KiB, as tcpdump -B (each packet takes up to 64 KiB of it)',
      String(defaultCaptureBufferBytes / 1024),
    )
    .option('--metrics <addr:port>', 'serve Prometheus metrics on http://ADDR:PORT/metrics while capturing')
    .option(
      '--logs <[host=]path>',
      'compute-host log to follow as it grows (tail -F: rotation followed), merged into each request live; repeatable',
      collect,
      [] as string[],
    )
    .option(
      '--otlp-endpoint <url>',
      "push each request's spans over OTLP/HTTP (protobuf) to this collector (path /v1/traces if none given)",
    )
    .option(
      '-o, --output <file>',
      'write the final result (in --format; json: its result event) here at the stop; - for standard output',
    )
    .option(
      '--retain <seconds>',
      'keep handed-out requests in memory this long (rolling summaries, final result); default: the whole session',
    )
    .action(async (opts: LiveCommandOptions) => {
      // Chosen before capturing: an unknown format is known now, not at the stop.
      const format = chooseFormat('live', opts, resultFormats, 'table') as ResultFormat;
      const json = format === 'json';
      const { runLive } = await import('../../src/live/runLive.js');
      const { captureCountsText } = await import('../../src/live/captureCountsText.js');
      const bufferKiB = Number(opts.bufferSize);
      if (!Number.isInteger(bufferKiB) || bufferKiB < 1)
        unusable(`--buffer-size takes a whole number of KiB, not '${opts.bufferSize}'`);
      const retainSec = opts.retain === undefined ? undefined : Number(opts.retain);
      if (retainSec !== undefined && !(retainSec > 0))
        unusable(`--retain takes a number of seconds, not '${opts.retain}'`);
      const otlpEndpoint = await otlpEndpointOf(opts.otlpEndpoint);
      const { formatResult } = await import('../../src/report/formatResult.js');
      const { liveRequestLine, liveSummaryTables } = await import('../../src/report/liveText.js');
      const { streamEventLine } = await import('../../src/report/streamEvents.js');
      const ac = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => ac.abort());
      try {
        // Opened before capturing: a path that cannot be written is known now, not at the stop.
        const finalFd = openOutput(opts.output);
        const { result } = await runLive({
          iface: opts.interface,
          filter: opts.bpf ?? opts.filter,
          vim: checkVim(opts.vim),
          nomadApiPorts: nomadApiPortsOf(opts.nomadApiPort),
          write: opts.write,
          force: opts.force,
          bufferBytes: bufferKiB * 1024,
          summaryEverySec: Number(opts.summaryEvery),
          metrics: opts.metrics,
          otlpEndpoint,
          logs: opts.logs,
          onNotice: (text) => process.stderr.write(`vim-analyse: ${text}\n`),
          retainSec,
          onMetricsListening: (port) =>
            process.stderr.write(
              `vim-analyse: serving metrics on ${opts.metrics!.replace(/:\d+$/, '')}:${port}/metrics\n`,
            ),
          signal: ac.signal,
          onStart: () =>
            process.stderr.write(
              `vim-analyse: capturing on ${opts.interface}${opts.write ? `, writing ${opts.write}` : ''}; ` +
                'Ctrl-C to stop\n',
            ),
          onRequest: (e) => {
            if (json) process.stdout.write(streamEventLine(e));
            else process.stdout.write(`${liveRequestLine(e.request)}\n`);
          },
          onUpdate: (e) => {
            if (json) process.stdout.write(streamEventLine(e));
          },
          onSummary: (stats, n, live) => {
            if (json) process.stdout.write(streamEventLine({ type: 'summary', requests: n, stats, live }));
            else
              process.stdout.write(
                `\n${opts.interface}: ${n} requests so far; ${captureCountsText(live)}\n${liveSummaryTables(stats)}`,
              );
          },
        });
        if (finalFd !== undefined) {
          await output(json ? streamEventLine({ type: 'result', result }) : formatResult(result, format), finalFd);
        } else if (json) process.stdout.write(streamEventLine({ type: 'result', result }));
        else {
          const formatted = formatResult(result, format);
          process.stdout.write(
            typeof formatted === 'string'
              ? '\n' + (format === 'table' ? terminalText(formatted) : formatted)
              : formatted,
          );
        }
        // Machine-readable outputs stay clean: the line goes to stderr with them.
        const liveCounts = captureCountsText(result.counters.live as LiveStats);
        const counts = `vim-analyse: stopped capturing on ${opts.interface}: ${liveCounts}\n`;
        if (format !== 'table') process.stderr.write(counts);
        else process.stdout.write(counts);
        // process.exit drops what a pipe has not taken yet: the final result line is ~100 KB.
        await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
        process.exit(0);
      } catch (e) {
        fail(e);
      }
    });
}
