/** Options several commands share: how each is declared and how its value is read. */
import type { Command } from 'commander';
import type { Vim } from '../../src/dissectors/types.js';
import { defaultReassemblyLimits } from '../../src/net/types.js';
import { defaultProtocolLimits } from '../../src/protocols/types.js';
import { defaultMaxOpenRequests } from '../../src/timeline/openRequestLimit.js';
import { defaultMaxMessages } from '../../src/pipeline/sessionOptions.js';
import { nomadApiPort } from '../../src/dissectors/nomad/httpEvents.js';
import { visible } from '../../src/report/visible.js';
import { unusable } from './exits.js';

export const outputHelp = 'write to a file instead of standard output (-: standard output)';
export const quietHelp = 'no progress line on standard error';
export const tlsKeylogHelp = 'NSS key log (SSLKEYLOGFILE) to decrypt TLS connections with; a secret, never printed';

/** A repeatable option's values, in order. */
export const collect = (v: string, acc: string[]): string[] => [...acc, v];

/** Formats a file name's extension stands for, when no --format is given: the first the command writes. */
const formatOfExtension: Record<string, readonly string[]> = {
  json: ['json'],
  ndjson: ['json'],
  jsonl: ['json'],
  csv: ['csv'],
  svg: ['svg'],
  html: ['html'],
  htm: ['html'],
  // The main job's text is `table`, messages' `text`.
  txt: ['table', 'text'],
  pb: ['otlp-proto'],
  binpb: ['otlp-proto'],
};

/** The format `file`'s extension names, when `allowed` has it (standard output names none). */
export function formatOfFile(file: string, allowed: readonly string[]): string | undefined {
  if (file === '-') return undefined;
  const byExt = formatOfExtension[/\.([a-z]+)$/i.exec(file)?.[1].toLowerCase() ?? ''] ?? [];
  return byExt.find((f) => allowed.includes(f));
}

/**
 * The output format, chosen the same way on every command: `--format`, else `--json`
 * (its alias), else the extension of `-o FILE`, else the command's default. One not in
 * `allowed` is one line and exit 2.
 */
export function chooseFormat(
  command: string,
  opts: { format?: string; json?: boolean; output?: string },
  allowed: readonly string[],
  fallback: string,
): string {
  let format = opts.format ?? (opts.json ? 'json' : undefined);
  if (format === undefined && opts.output) format = formatOfFile(opts.output, allowed);
  format ??= fallback;
  if (!allowed.includes(format))
    unusable(`${command}: unknown format '${visible(format)}' (one of ${allowed.join(', ')})`);
  return format;
}

export const nomadApiPortHelp =
  "a port Nomad's HTTP API listens on " + `(default ${nomadApiPort}; given ones replace it); repeatable`;

/** --nomad-api-port values as the library's nomadApiPorts (none given: its default); a bad port exits 2. */
export function nomadApiPortsOf(specs: string[]): number[] | undefined {
  if (specs.length === 0) return undefined;
  return specs.map((v) => {
    if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) {
      unusable(`--nomad-api-port wants a TCP port, 1 to 65535 (got '${visible(v)}')`);
    }
    return Number(v);
  });
}

export const workersHelp =
  "threads that parse the capture file's connections (default 1: this thread alone); " +
  'the result is the same for any number';

/** --workers: a whole number from 1 to 64 (a bad one exits 2); not given, 1. */
export function workersOf(v: string | undefined): number {
  if (v === undefined) return 1;
  if (!/^\d{1,2}$/.test(v) || Number(v) < 1 || Number(v) > 64)
    unusable(`--workers wants a whole number from 1 to 64 (got '${visible(v)}')`);
  return Number(v);
}

const vims: readonly Vim[] = ['nova', 'nomad'];

export function checkVim(v: string | undefined): Vim | undefined {
  if (v === undefined) return undefined;
  if (!vims.includes(v as Vim)) unusable(`--vim must be one of ${vims.join(', ')} (got '${v}')`);
  return v as Vim;
}

/** Units --clock-offset takes, in ms (the library's clockOffsets and the result's offsetMs are ms). */
const offsetUnits: Record<string, number> = { ms: 1, s: 1000, us: 1e-3, µs: 1e-3, ns: 1e-6 };

/**
 * `HOST=12.5ms` pairs → ms by host. The unit is required: the option took bare seconds
 * before, and a bare number read as ms now would silently be 1000× off in old scripts.
 */
export function parseOffsets(specs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of specs) {
    const m = /^([^=]+)=([-+]?\d*\.?\d+(?:e[-+]?\d+)?)(ms|s|us|µs|ns)$/i.exec(s);
    if (!m) {
      unusable(
        '--clock-offset wants HOST=OFFSET with a unit, e.g. compute1=12.5ms or compute1=0.0125s ' +
          `(got '${visible(s)}')`,
      );
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
  {
    flag: '--max-messages <n>',
    key: 'maxMessages',
    help: `messages kept for the diagnosis (main job default ${defaultMaxMessages}; messages: all)`,
  },
  {
    flag: '--max-open-requests <n>',
    key: 'maxOpenRequests',
    help: `requests open at once before the oldest is given up (default ${defaultMaxOpenRequests})`,
  },
  {
    flag: '--max-connections <n>',
    key: 'maxConnections',
    help: `TCP connections reassembled at once (default ${defaultReassemblyLimits.maxConnections})`,
  },
  {
    flag: '--max-buffered-bytes <n>',
    key: 'maxBufferedBytesPerDirection',
    help:
      'out-of-order bytes held per direction before a gap ' +
      `(default ${defaultReassemblyLimits.maxBufferedBytesPerDirection})`,
  },
  {
    flag: '--max-body-bytes <n>',
    key: 'maxBodyBytes',
    help: `body bytes kept per HTTP or AMQP message (default ${defaultProtocolLimits.maxBodyBytes})`,
  },
  {
    flag: '--max-inflated-bytes <n>',
    key: 'maxInflatedBytes',
    help:
      'bytes all compressed HTTP bodies may inflate to, together ' +
      `(default ${defaultProtocolLimits.maxInflatedBytes})`,
  },
  {
    flag: '--max-held-bytes <n>',
    key: 'maxHeldBytes',
    help:
      'bytes held at once (bodies, partial messages, out-of-order TCP segments); ' +
      'past it the largest of the oldest is cut ' +
      `(default ${defaultProtocolLimits.maxHeldBytes})`,
  },
] as const;

export type LimitKey = (typeof limitOptions)[number]['key'];
export type LimitOptionValues = Partial<Record<LimitKey, string>>;

export interface SessionLimits {
  maxMessages?: number;
  maxOpenRequests?: number;
  reassembly: { maxConnections?: number; maxBufferedBytesPerDirection?: number };
  limits: { maxBodyBytes?: number; maxInflatedBytes?: number; maxHeldBytes?: number };
}

export function withLimitOptions(cmd: Command): Command {
  for (const o of limitOptions) cmd.option(o.flag, o.help);
  return cmd;
}

/** The limit options given, as session options; a bad number exits 2. */
export function limitsOf(opts: LimitOptionValues): SessionLimits {
  const n: Partial<Record<LimitKey, number>> = {};
  for (const o of limitOptions) {
    const v = opts[o.key];
    if (v === undefined) continue;
    if (!/^\d+$/.test(v) || Number(v) < 1)
      unusable(`${o.flag.split(' ')[0]} wants a positive whole number (got '${v}')`);
    n[o.key] = Number(v);
  }
  return {
    maxMessages: n.maxMessages,
    maxOpenRequests: n.maxOpenRequests,
    reassembly: { maxConnections: n.maxConnections, maxBufferedBytesPerDirection: n.maxBufferedBytesPerDirection },
    limits: { maxBodyBytes: n.maxBodyBytes, maxInflatedBytes: n.maxInflatedBytes, maxHeldBytes: n.maxHeldBytes },
  };
}
