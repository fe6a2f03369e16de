#!/usr/bin/env node
/** Command-line wiring only: argv → library calls → stdout/stderr and exit codes. */
import { Command } from 'commander';
import { stat, writeFile } from 'node:fs/promises';
import { createWriteStream, existsSync, openSync } from 'node:fs';
import { once } from 'node:events';
import { createProgress } from '../src/report/progressBar.js';
import { UnusableInputError } from '../src/capture/types.js';
import { formatsWithMessages, resultFormats, type ResultFormat } from '../src/report/resultFormats.js';
import type { Vim } from '../src/dissectors/types.js';
import type { MessageLine } from '../src/pipeline/types.js';
import { LiveCaptureError, type LiveStats } from '../src/live/types.js';
import { printable, terminalText, visible } from '../src/report/visible.js';

// Each command imports what it runs when it runs: loading every stage up front cost
// ~0.2 s per invocation, a fifth of `info` on a gigabyte.

/** Exit codes: 0 ok, 1 internal error, 2 unusable input or usage. */
const exitUnusable = 2;

function fail(e: unknown): never {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof UnusableInputError || e instanceof LiveCaptureError || (e as Error)?.name === 'PngUnavailableError') {
    process.stderr.write(`vim-analyse: ${printable(err.message)}\n`);
    process.exit(exitUnusable);
  }
  if (err && (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES')) {
    const what = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : 'permission denied';
    process.stderr.write(`vim-analyse: ${visible(err.path ?? 'input')}: ${what}\n`);
    process.exit(exitUnusable);
  }
  process.stderr.write(`vim-analyse: internal error: ${printable(err?.message ?? String(e))}\n`);
  if (process.env.VIM_ANALYSE_DEBUG) process.stderr.write(`${err?.stack}\n`);
  process.exit(1);
}

/**
 * `-o FILE` is opened before any capture is read: a bad path is one line and exit 2 at
 * once, not a stack trace (or an unhandled 'error' event) after the analysis.
 */
function openOutput(file: string | undefined): number | undefined {
  return file === undefined || file === '-' ? undefined : openSync(file, 'w');
}

/** Formats a file name's extension stands for, when no --format is given. */
const formatOfExtension: Record<string, string> = { json: 'json', ndjson: 'json', jsonl: 'json', csv: 'csv', svg: 'svg', html: 'html', htm: 'html', txt: 'table', pb: 'otlp-proto', binpb: 'otlp-proto' };

/**
 * The output format, chosen the same way on every command: `--format`, else `--json`
 * (its alias), else the extension of `-o FILE`, else the command's default. One not in
 * `allowed` is one line and exit 2.
 */
function chooseFormat(command: string, opts: { format?: string; json?: boolean; output?: string }, allowed: readonly string[], fallback: string): string {
  let format = opts.format ?? (opts.json ? 'json' : undefined);
  if (format === undefined && opts.output && opts.output !== '-') {
    const byExt = formatOfExtension[/\.([a-z]+)$/i.exec(opts.output)?.[1].toLowerCase() ?? ''];
    if (byExt !== undefined && allowed.includes(byExt)) format = byExt;
  }
  format ??= fallback;
  if (!allowed.includes(format)) {
    process.stderr.write(`vim-analyse: ${command}: unknown format '${visible(format)}' (one of ${allowed.join(', ')})\n`);
    process.exit(exitUnusable);
  }
  return format;
}

async function output(text: string | Uint8Array | Iterable<string>, fd?: number): Promise<void> {
  if (fd === undefined && (typeof text === 'string' || text instanceof Uint8Array)) {
    process.stdout.write(text);
    return;
  }
  // Pieces (the JSON result): written as made, with backpressure.
  const out = fd !== undefined ? createWriteStream('', { fd }) : process.stdout;
  for (const piece of typeof text === 'string' || text instanceof Uint8Array ? [text] : text) if (!out.write(piece)) await once(out, 'drain');
  if (fd !== undefined) {
    (out as ReturnType<typeof createWriteStream>).end();
    await once(out, 'finish');
  }
}

/** A progress line on stderr for big inputs read from a terminal session (not with --quiet). */
async function progressFor(files: string[], quiet?: boolean): Promise<((n: number) => void) & { done(): void }> {
  const noop = Object.assign(() => {}, { done() {} });
  if (quiet || !process.stderr.isTTY) return noop;
  let total = 0;
  for (const f of files) total += f === '-' ? 0 : (await stat(f).catch(() => ({ size: 0 }))).size;
  if (total < 8 * 1024 * 1024) return noop;
  const p = createProgress(total, process.stderr);
  // Several files are read one after the other: add up what each has read.
  let base = 0, last = 0;
  return Object.assign((n: number) => {
    if (n < last) base += last;
    last = n;
    p.update(base + n);
  }, { done: () => p.done() });
}

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

const vims: readonly Vim[] = ['nova', 'nomad'];

const collect = (v: string, acc: string[]) => [...acc, v];

/** Units --clock-offset takes, in ms (the library's clockOffsets and the result's offsetMs are ms). */
const offsetUnits: Record<string, number> = { ms: 1, s: 1000, us: 1e-3, 'µs': 1e-3, ns: 1e-6 };

/**
 * `HOST=12.5ms` pairs → ms by host. The unit is required: the option took bare seconds
 * before, and a bare number read as ms now would silently be 1000× off in old scripts.
 */
function parseOffsets(specs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of specs) {
    const m = /^([^=]+)=([-+]?\d*\.?\d+(?:e[-+]?\d+)?)(ms|s|us|µs|ns)$/i.exec(s);
    if (!m) {
      process.stderr.write(`vim-analyse: --clock-offset wants HOST=OFFSET with a unit, e.g. compute1=12.5ms or compute1=0.0125s (got '${visible(s)}')\n`);
      process.exit(exitUnusable);
    }
    out[m[1]] = Number(m[2]) * offsetUnits[m[3].toLowerCase()];
  }
  return out;
}

/**
 * The resource limits, as options: defaults bound what the main job holds on any input (its
 * peak RSS on 1 GB inputs is in README's Performance); each hit is counted and named in a
 * warning, and these raise (or lower) them.
 */
const limitOptions = [
  { flag: '--max-messages <n>', key: 'maxMessages', help: 'messages kept for the diagnosis (main job default 300000; messages: all)' },
  { flag: '--max-open-requests <n>', key: 'maxOpenRequests', help: 'requests open at once before the oldest is given up (default 50000)' },
  { flag: '--max-connections <n>', key: 'maxConnections', help: 'TCP connections reassembled at once (default 100000)' },
  { flag: '--max-buffered-bytes <n>', key: 'maxBufferedBytesPerDirection', help: 'out-of-order bytes held per direction before a gap (default 4194304)' },
  { flag: '--max-body-bytes <n>', key: 'maxBodyBytes', help: 'body bytes kept per HTTP or AMQP message (default 8388608)' },
  { flag: '--max-inflated-bytes <n>', key: 'maxInflatedBytes', help: 'bytes all compressed HTTP bodies may inflate to, together (default 268435456)' },
  { flag: '--max-held-bytes <n>', key: 'maxHeldBytes', help: 'bytes held at once (bodies, partial messages, out-of-order TCP segments); past it the largest of the oldest is cut (default 33554432)' },
] as const;
type LimitKey = (typeof limitOptions)[number]['key'];

const tlsKeylogHelp = 'NSS key log (SSLKEYLOGFILE) to decrypt TLS connections with; a secret, never printed';

function withLimitOptions(cmd: Command): Command {
  for (const o of limitOptions) cmd.option(o.flag, o.help);
  return cmd;
}

/** The limit options given, as session options; a bad number exits 2. */
function limitsOf(opts: Partial<Record<LimitKey, string>>): { maxMessages?: number; maxOpenRequests?: number; reassembly: { maxConnections?: number; maxBufferedBytesPerDirection?: number }; limits: { maxBodyBytes?: number; maxInflatedBytes?: number; maxHeldBytes?: number } } {
  const n: Partial<Record<LimitKey, number>> = {};
  for (const o of limitOptions) {
    const v = opts[o.key];
    if (v === undefined) continue;
    if (!/^\d+$/.test(v) || Number(v) < 1) {
      process.stderr.write(`vim-analyse: ${o.flag.split(' ')[0]} wants a positive whole number (got '${v}')\n`);
      process.exit(exitUnusable);
    }
    n[o.key] = Number(v);
  }
  return {
    maxMessages: n.maxMessages,
    maxOpenRequests: n.maxOpenRequests,
    reassembly: { maxConnections: n.maxConnections, maxBufferedBytesPerDirection: n.maxBufferedBytesPerDirection },
    limits: { maxBodyBytes: n.maxBodyBytes, maxInflatedBytes: n.maxInflatedBytes, maxHeldBytes: n.maxHeldBytes },
  };
}

const nomadApiPortHelp = "a port Nomad's HTTP API listens on (default 4646; given ones replace it); repeatable";

/** --nomad-api-port values as the library's nomadApiPorts (none given: its default); a bad port exits 2. */
function nomadApiPortsOf(specs: string[]): number[] | undefined {
  if (specs.length === 0) return undefined;
  return specs.map((v) => {
    if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) {
      process.stderr.write(`vim-analyse: --nomad-api-port wants a TCP port, 1 to 65535 (got '${visible(v)}')\n`);
      process.exit(exitUnusable);
    }
    return Number(v);
  });
}

function checkVim(v: string | undefined): Vim | undefined {
  if (v === undefined) return undefined;
  if (!vims.includes(v as Vim)) {
    process.stderr.write(`vim-analyse: --vim must be one of ${vims.join(', ')} (got '${v}')\n`);
    process.exit(exitUnusable);
  }
  return v as Vim;
}

withLimitOptions(program)
  .argument('[captures...]', 'capture files of one experiment (pcap, pcapng, gzip; - for standard input)')
  .option('--vim <vim>', 'only this VIM: nova or nomad (default: detected)')
  .option('--nomad-api-port <port>', nomadApiPortHelp, collect, [] as string[])
  .option('-f, --format <format>', `output format: ${resultFormats.join(', ')} (default: from -o's extension, else table)`)
  .option('--json', 'the same as --format json')
  .option('--requests', 'one row per request in the table')
  .option('--logs <[host=]path>', 'compute-host log to merge (vimts markers, oslo.log, Nomad client logs; gzip ok); repeatable', collect, [] as string[])
  .option('--clock-offset <host=offset>', "a host's known clock offset (its clock minus the capture's) with its unit, e.g. compute1=12.5ms (ms, s, us, ns), overriding the estimate; repeatable", collect, [] as string[])
  .option('--tls-keylog <file>', tlsKeylogHelp)
  .option('-o, --output <file>', 'write to a file instead of standard output (-: standard output)')
  .option('-q, --quiet', 'no progress line on standard error')
  .action(async (captures: string[], opts: { vim?: string; format?: string; json?: boolean; requests?: boolean; output?: string; logs: string[]; clockOffset: string[]; quiet?: boolean; tlsKeylog?: string; nomadApiPort: string[] } & Partial<Record<LimitKey, string>>) => {
    if (captures.length === 0) {
      program.help({ error: true });
    }
    // `vim-analyse analyze x.pcap`: a word that is no file is a mistyped command, not a capture.
    const first = captures[0];
    if (/^[a-z][a-z-]*$/.test(first) && !existsSync(first)) {
      process.stderr.write(`vim-analyse: unknown command '${first}' (commands: ${program.commands.map((c) => c.name()).join(', ')}; or give capture files)\n`);
      process.exit(exitUnusable);
    }
    const format = chooseFormat('main', opts, resultFormats, 'table') as ResultFormat;
    try {
      const outFd = openOutput(opts.output);
      const progress = await progressFor(captures, opts.quiet);
      const options = { vim: checkVim(opts.vim), nomadApiPorts: nomadApiPortsOf(opts.nomadApiPort), logFiles: opts.logs, clockOffsets: parseOffsets(opts.clockOffset), onProgress: progress, tlsKeyLogFile: opts.tlsKeylog, ...limitsOf(opts) };
      const { analyse, analyseStreamed, analyseWithMessages } = await import('../src/pipeline/analyse.js');
      if (format === 'json') {
        // Each request's object is made as it is written, not all of them first.
        const { result, requests } = await analyseStreamed(captures, options);
        progress.done();
        const { resultJsonChunks } = await import('../src/report/resultJson.js');
        await output(resultJsonChunks(result, requests), outFd);
        return;
      }
      const { formatResult } = await import('../src/report/formatResult.js');
      const { result, messages } = formatsWithMessages.has(format)
        ? await analyseWithMessages(captures, options)
        : { result: await analyse(captures, options), messages: undefined };
      progress.done();
      const formatted = formatResult(result, format, { requests: opts.requests, messages });
      // The text forms pass the terminal's choke point whole (fields were made visible one by one).
      await output(typeof formatted === 'string' && format === 'table' ? terminalText(formatted) : formatted, outFd);
    } catch (e) {
      fail(e);
    }
  });

withLimitOptions(program.command('messages'))
  .description('one line per decoded VIM message (HTTP exchange, RPC call/cast, notification, Nomad RPC)')
  .argument('<captures...>', 'capture files')
  .option('-f, --format <format>', 'text or json (NDJSON, one message per line); default: from -o\'s extension, else text')
  .option('--json', 'the same as --format json')
  .option('--vim <vim>', 'only this VIM: nova or nomad')
  .option('--nomad-api-port <port>', nomadApiPortHelp, collect, [] as string[])
  .option('--match <text>', 'keep messages whose service or name contains this text (repeatable)', collect, [] as string[])
  .option('--filter <text>', 'deprecated: --match (live --bpf is the BPF filter)', collect, [] as string[])
  .option('-q, --quiet', 'no progress line on standard error')
  .option('--tls-keylog <file>', tlsKeylogHelp)
  .option('--legs', 'a call through a reverse proxy on both legs (caller → proxy and proxy → backend), not once')
  .option('-o, --output <file>', 'write to a file instead of standard output (-: standard output)')
  .action(async (captures: string[], opts: { format?: string; json?: boolean; vim?: string; match: string[]; filter: string[]; output?: string; tlsKeylog?: string; legs?: boolean; quiet?: boolean; nomadApiPort: string[] } & Partial<Record<LimitKey, string>>) => {
    const json = chooseFormat('messages', opts, ['text', 'json'], 'text') === 'json';
    if (opts.filter.length) process.stderr.write('vim-analyse: messages --filter is deprecated: use --match\n');
    const match = [...opts.match, ...opts.filter];
    try {
      const outFd = openOutput(opts.output);
      const progress = await progressFor(captures, opts.quiet);
      const { messageLines } = await import('../src/pipeline/analyse.js');
      const keep = match.length ? (m: MessageLine) => match.some((f) => m.service.includes(f) || m.name.includes(f)) : () => true;
      const line = json
        ? (m: MessageLine) => JSON.stringify(m)
        : (m: MessageLine) => `${m.t}  ${m.vim.padEnd(5)} ${m.type.padEnd(12)} ${visible(m.service).padEnd(15)} ${m.src.padEnd(21)} → ${m.dst.padEnd(21)} ${m.ms === null ? '      -' : m.ms.toFixed(1).padStart(7)} ms  ${printable(m.name)}${m.status !== undefined ? ` [${printable(String(m.status))}]` : ''}${m.leg ? ' (backend leg)' : ''}${m.via ? `  via ${m.via.backend}${m.via.proxyMs === null ? '' : ` proxy +${m.via.proxyMs.toFixed(2)} ms`}` : ''}${Object.keys(m.ids).length ? `  ${Object.entries(m.ids).map(([k, v]) => `${k}=${visible(Array.isArray(v) ? v.join(',') : String(v))}`).join(' ')}` : ''}`;
      // Lines are made and written in batches: one string (or one array) of every line
      // would hold a second copy of the messages on big captures.
      const out = outFd !== undefined ? createWriteStream('', { fd: outFd }) : process.stdout;
      let batch: string[] = [];
      const lines = await messageLines(captures, { vim: checkVim(opts.vim), nomadApiPorts: nomadApiPortsOf(opts.nomadApiPort), tlsKeyLogFile: opts.tlsKeylog, legs: opts.legs, onProgress: progress, ...limitsOf(opts) });
      progress.done();
      for (const m of lines) {
        if (!keep(m)) continue;
        batch.push(line(m));
        if (batch.length === 5000) {
          if (!out.write(batch.join('\n') + '\n')) await once(out, 'drain');
          batch = [];
        }
      }
      if (batch.length && !out.write(batch.join('\n') + '\n')) await once(out, 'drain');
      if (lines.notKept) process.stderr.write(`vim-analyse: ${lines.notKept} later messages not listed: more than --max-messages ${opts.maxMessages}\n`);
      if (outFd !== undefined) {
        (out as ReturnType<typeof createWriteStream>).end();
        await once(out, 'finish');
      }
    } catch (e) {
      fail(e);
    }
  });

program
  .command('waterfall')
  .description("one request's phases and messages on a time axis, hosts as lanes (SVG)")
  .argument('<capture>', 'capture file')
  .argument('<request-id>', 'server uuid, alloc id, or a unique prefix of one')
  .option('--logs <[host=]path>', 'compute-host log to merge; repeatable', collect, [] as string[])
  .option('--nomad-api-port <port>', nomadApiPortHelp, collect, [] as string[])
  .option('-o, --output <file>', 'write to a file instead of standard output (-: standard output)')
  .action(async (capture: string, id: string, opts: { logs: string[]; output?: string; nomadApiPort: string[] }) => {
    try {
      const outFd = openOutput(opts.output);
      const { analyseWithMessages } = await import('../src/pipeline/analyse.js');
      const { waterfallSvg } = await import('../src/report/waterfallSvg.js');
      const { result, messages } = await analyseWithMessages(capture, { logFiles: opts.logs, nomadApiPorts: nomadApiPortsOf(opts.nomadApiPort) });
      const found = result.requests.filter((r) => r.id === id || r.id.startsWith(id) || Object.values(r.keys).includes(id));
      if (found.length !== 1) {
        process.stderr.write(`vim-analyse: ${found.length ? `'${visible(id)}' matches ${found.length} requests` : `no request '${visible(id)}' in ${visible(capture)}`}; ids: ${result.requests.slice(0, 5).map((r) => visible(r.id)).join(', ')}${result.requests.length > 5 ? ', …' : ''}\n`);
        process.exit(exitUnusable);
      }
      await output(waterfallSvg(found[0], messages), outFd);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('figures')
  .description("the study's four charts (Nova total and spawn, Nomad total and driver breakdowns), one bar per configuration")
  .argument('[captures...]', 'configurations separated by "--": A1 A2 -- B1 B2 (or use --config)')
  .option('--labels <a,b,…>', 'names of the configurations (default: config 1, 2, …)')
  .option('--config <file>', 'JSON: {"configurations": [{"label", "captures": [...], "logs": [...]}]}')
  .option('--out <dir>', 'folder to write the SVG and PNG files into', '.')
  .option('--no-png', 'SVG only')
  .option('--nomad-api-port <port>', nomadApiPortHelp, collect, [] as string[])
  .action(async (captures: string[], opts: { labels?: string; config?: string; out: string; png: boolean; nomadApiPort: string[] }) => {
    try {
      const { makeFigures } = await import('../src/pipeline/figures.js');
      const { loadResvg, svgToPng } = await import('../src/report/svgToPng.js');
      const { mkdir, readFile } = await import('node:fs/promises');
      let configs: { label: string; captures: string[]; logs?: string[] }[];
      if (opts.config) {
        configs = (JSON.parse(await readFile(opts.config, 'utf8')) as { configurations: typeof configs }).configurations;
      } else {
        // Configurations are separated by '--', which commander swallows (and everything
        // after it becomes an operand, options too): read the raw arguments ourselves.
        const raw = process.argv.slice(process.argv.indexOf('figures') + 1);
        const withValue = new Set(['--labels', '--config', '--out', '--nomad-api-port']);
        const groups: string[][] = [[]];
        let labelsArg = opts.labels, outArg = opts.out;
        for (let i = 0; i < raw.length; i++) {
          const a = raw[i];
          if (a === '--') groups.push([]);
          else if (withValue.has(a)) {
            if (a === '--labels') labelsArg = raw[i + 1];
            if (a === '--out') outArg = raw[i + 1];
            if (a === '--nomad-api-port' && !opts.nomadApiPort.includes(raw[i + 1])) opts.nomadApiPort.push(raw[i + 1]);
            i++;
          } else if (a === '--no-png') opts.png = false;
          else if (!a.startsWith('--')) groups[groups.length - 1].push(a);
        }
        opts.out = outArg;
        const labels = labelsArg?.split(',') ?? [];
        configs = groups.filter((g) => g.length).map((g, i) => ({ label: labels[i] ?? `config ${i + 1}`, captures: g }));
      }
      if (configs.length === 0) {
        process.stderr.write('vim-analyse: figures needs captures (A1 A2 -- B1 B2) or --config FILE\n');
        process.exit(exitUnusable);
      }
      // Without the PNG renderer, say so before any work and write nothing.
      if (opts.png) loadResvg();
      const { figures } = await makeFigures(configs, { nomadApiPorts: nomadApiPortsOf(opts.nomadApiPort) });
      // Every file made before the first is written: a failure leaves no half set behind.
      const files = figures.flatMap((f) => [{ name: `${f.id}.svg`, data: f.svg }, ...(opts.png ? [{ name: `${f.id}.png`, data: svgToPng(f.svg) }] : [])]);
      await mkdir(opts.out, { recursive: true });
      for (const file of files) await writeFile(`${opts.out}/${file.name}`, file.data);
      for (const f of figures) {
        process.stderr.write(`${f.id}: ${f.drawn.join(', ')}${f.skipped.length ? ` (left out: ${f.skipped.map((s) => `${s.label}: ${s.reason}`).join('; ')})` : ''}\n`);
      }
      if (figures.length === 0) process.stderr.write('vim-analyse: no figure could be drawn (no complete request in any configuration)\n');
    } catch (e) {
      fail(e);
    }
  });

program
  .command('compare')
  .description('compare two configurations (e.g. stock vs tuned): phase means, difference, Welch 95% CI')
  .argument('<a>', 'capture of configuration A (several: join with commas)')
  .argument('<b>', 'capture of configuration B (several: join with commas)')
  .option('--vim <vim>', 'only this VIM: nova or nomad')
  .option('--nomad-api-port <port>', nomadApiPortHelp, collect, [] as string[])
  .option('-f, --format <format>', "table, json or svg (the phase-breakdown chart, one bar per configuration); default: from -o's extension, else table")
  .option('--json', 'the same as --format json')
  .option('--svg', 'the same as --format svg')
  .option('--labels <a,b>', 'names of the two configurations (default: the file names)')
  .option('--logs-a <[host=]path>', "compute-host log of configuration A's run; repeatable", collect, [] as string[])
  .option('--logs-b <[host=]path>', "compute-host log of configuration B's run; repeatable", collect, [] as string[])
  .option('-o, --output <file>', 'write to a file instead of standard output (-: standard output)')
  .action(async (a: string, b: string, opts: { vim?: string; format?: string; json?: boolean; svg?: boolean; labels?: string; output?: string; logsA: string[]; logsB: string[]; nomadApiPort: string[] }) => {
    const format = chooseFormat('compare', { ...opts, format: opts.format ?? (opts.svg ? 'svg' : undefined) }, ['table', 'json', 'svg'], 'table');
    try {
      const outFd = openOutput(opts.output);
      const labels = (opts.labels?.split(',') ?? [a, b]) as [string, string];
      const { compareCaptures } = await import('../src/pipeline/compare.js');
      const { compareText } = await import('../src/report/compareText.js');
      const { breakdownSvg } = await import('../src/report/formatResult.js');
      const c = await compareCaptures(a.split(','), b.split(','), { vim: checkVim(opts.vim), nomadApiPorts: nomadApiPortsOf(opts.nomadApiPort), labels, sides: [{ logFiles: opts.logsA }, { logFiles: opts.logsB }] });
      const { results: _r, ...rest } = c;
      const text = format === 'svg'
        ? breakdownSvg([{ label: labels[0], result: c.results[0] }, { label: labels[1], result: c.results[1] }])
        : format === 'json' ? JSON.stringify(rest, null, 2) + '\n' : terminalText(compareText(c));
      await output(text, outFd);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('live')
  .description('sniff an interface and print each VM start as it completes; Ctrl-C for the final summary')
  .requiredOption('-i, --interface <iface>', 'interface to capture on (e.g. eth1, any)')
  .option('--bpf <expression>', 'BPF capture filter (default: the Nova and Nomad ports)')
  .option('--filter <expression>', 'the same as --bpf (deprecated name)')
  .option('--vim <vim>', 'only this VIM: nova or nomad')
  .option('--nomad-api-port <port>', `${nomadApiPortHelp}; the default --bpf filter takes it instead of 4646`, collect, [] as string[])
  .option('--write <file>', 'also write the captured packets to this pcapng file (a new file: never through a symbolic link)')
  .option('--force', 'let --write replace an existing file')
  .option('--json', 'NDJSON: one request per line, then the final result')
  .option('-f, --format <format>', `final summary format: ${resultFormats.join(', ')}`, 'table')
  .option('--summary-every <seconds>', 'rolling phase summary period (0: none)', '30')
  .option('-B, --buffer-size <KiB>', 'capture ring size in KiB, as tcpdump -B (each packet takes up to 64 KiB of it)', '32768')
  .option('--metrics <addr:port>', 'serve Prometheus metrics on http://ADDR:PORT/metrics while capturing')
  .option('--logs <[host=]path>', 'compute-host log to follow as it grows (tail -F: rotation followed), merged into each request live; repeatable', collect, [] as string[])
  .option('--otlp-endpoint <url>', 'push each request\'s spans over OTLP/HTTP (protobuf) to this collector (path /v1/traces if none given)')
  .option('-o, --output <file>', 'write the final result (--format, or the JSON result with --json) to this file at the stop')
  .option('--retain <seconds>', 'keep handed-out requests in memory this long (rolling summaries, final result); default: the whole session')
  .action(async (opts: { interface: string; bpf?: string; filter?: string; vim?: string; write?: string; force?: boolean; json?: boolean; format: string; summaryEvery: string; bufferSize: string; metrics?: string; retain?: string; otlpEndpoint?: string; logs: string[]; output?: string; nomadApiPort: string[] }) => {
    const { runLive } = await import('../src/live/runLive.js');
    const { captureCountsText } = await import('../src/live/captureCountsText.js');
    const bufferKiB = Number(opts.bufferSize);
    if (!Number.isInteger(bufferKiB) || bufferKiB < 1) {
      process.stderr.write(`vim-analyse: --buffer-size takes a whole number of KiB, not '${opts.bufferSize}'\n`);
      process.exit(exitUnusable);
    }
    const retainSec = opts.retain === undefined ? undefined : Number(opts.retain);
    if (retainSec !== undefined && !(retainSec > 0)) {
      process.stderr.write(`vim-analyse: --retain takes a number of seconds, not '${opts.retain}'\n`);
      process.exit(exitUnusable);
    }
    let otlpEndpoint: string | undefined;
    if (opts.otlpEndpoint !== undefined) {
      const { otlpTracesUrl } = await import('../src/live/otlpPush.js');
      otlpEndpoint = otlpTracesUrl(opts.otlpEndpoint) ?? undefined;
      if (!otlpEndpoint) {
        process.stderr.write(`vim-analyse: --otlp-endpoint takes an http(s) URL (e.g. http://collector:4318), not '${opts.otlpEndpoint}'\n`);
        process.exit(exitUnusable);
      }
    }
    const { formatResult, phaseSequences } = await import('../src/report/formatResult.js');
    const { statsTable } = await import('../src/report/summaryText.js');
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
        onMetricsListening: (port) => process.stderr.write(`vim-analyse: serving metrics on ${opts.metrics!.replace(/:\d+$/, '')}:${port}/metrics\n`),
        signal: ac.signal,
        onStart: () => process.stderr.write(`vim-analyse: capturing on ${opts.interface}${opts.write ? `, writing ${opts.write}` : ''}; Ctrl-C to stop\n`),
        onRequest: (r) => {
          if (opts.json) process.stdout.write(JSON.stringify({ type: 'request', ...r }) + '\n');
          else {
            const seq = phaseSequences[r.vim] ?? [];
            const parts = [...seq, 'total'].map((p) => (r.phases[p] ? `${p}=${r.phases[p].ms.toFixed(1)}${r.phases[p].approx ? '~' : ''}` : `${p}=-`));
            process.stdout.write(`${r.vim} ${visible(r.id)} ${r.complete ? '' : 'INCOMPLETE '}${parts.join(' ')} ms\n`);
          }
        },
        onSummary: (stats, n, live) => {
          if (opts.json) process.stdout.write(JSON.stringify({ type: 'summary', requests: n, stats, live }) + '\n');
          else {
            process.stdout.write(`\n${opts.interface}: ${n} requests so far; ${captureCountsText(live)}\n`);
            for (const [vim, s] of Object.entries(stats)) process.stdout.write(`\n${vim}:\n${statsTable(s, phaseSequences[vim] ?? [], vim)}\n`);
          }
        },
      });
      const format = (resultFormats.includes(opts.format as ResultFormat) ? opts.format : 'table') as ResultFormat;
      if (finalFd !== undefined) await output(opts.json ? JSON.stringify({ type: 'result', ...result }) + '\n' : formatResult(result, format), finalFd);
      else if (opts.json) process.stdout.write(JSON.stringify({ type: 'result', ...result }) + '\n');
      else {
        const formatted = formatResult(result, format);
        process.stdout.write(typeof formatted === 'string' ? '\n' + (format === 'table' ? terminalText(formatted) : formatted) : formatted);
      }
      // Machine-readable outputs stay clean: the line goes to stderr with them.
      const counts = `vim-analyse: stopped capturing on ${opts.interface}: ${captureCountsText(result.counters.live as LiveStats)}\n`;
      if (opts.json || format !== 'table') process.stderr.write(counts);
      else process.stdout.write(counts);
      process.exit(0);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('info')
  .description('what a capture holds: format, link types, counts, time span, TCP connections')
  .argument('<capture>', 'pcap or pcapng file, gzip accepted; - for standard input')
  .option('-f, --format <format>', "table or json; default: from -o's extension, else table")
  .option('--json', 'the same as --format json')
  .option('-o, --output <file>', 'write to a file instead of standard output (-: standard output)')
  .option('-q, --quiet', 'no progress line on standard error')
  .action(async (capture: string, opts: { format?: string; json?: boolean; output?: string; quiet?: boolean }) => {
    const json = chooseFormat('info', opts, ['table', 'json'], 'table') === 'json';
    try {
      const outFd = openOutput(opts.output);
      const progress = await progressFor([capture], opts.quiet);
      const { captureInfo } = await import('../src/pipeline/captureInfo.js');
      const { infoText } = await import('../src/report/infoText.js');
      const info = await captureInfo(capture, { onProgress: progress });
      progress.done();
      await output(json ? JSON.stringify(info, null, 2) + '\n' : terminalText(infoText(info)), outFd);
    } catch (e) {
      fail(e);
    }
  });

await program.parseAsync(process.argv);
