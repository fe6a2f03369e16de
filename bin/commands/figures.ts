/** `vim-analyse figures`: the study's four charts, one bar per configuration (SVG and PNG files). */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { figureNote } from '../../src/report/figureNote.js';
import { fail, unusable } from '../cli/exits.js';
import { collect, nomadApiPortHelp, nomadApiPortsOf } from '../cli/options.js';

interface FiguresOptions {
  labels?: string;
  config?: string;
  out: string;
  png: boolean;
  nomadApiPort: string[];
}

type Configuration = { label: string; captures: string[]; logs?: string[] };

/** Options of `figures` that take a value (the next raw argument). */
const withValue = new Set(['--labels', '--config', '--out', '--nomad-api-port']);

/**
 * Configurations separated by '--', which commander swallows (and everything after it
 * becomes an operand, options too): read from the raw arguments. Sets `opts.out`,
 * `opts.png` and `opts.nomadApiPort` from them as well.
 */
function configurationsOfArgv(opts: FiguresOptions): Configuration[] {
  const raw = process.argv.slice(process.argv.indexOf('figures') + 1);
  const groups: string[][] = [[]];
  let labelsArg = opts.labels,
    outArg = opts.out;
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
  return groups.filter((g) => g.length).map((g, i) => ({ label: labels[i] ?? `config ${i + 1}`, captures: g }));
}

export function figuresCommand(program: Command): void {
  program
    .command('figures')
    .description(
      "the study's four charts (Nova total and spawn, Nomad total and driver breakdowns), one bar per configuration",
    )
    .argument('[captures...]', 'configurations separated by "--": A1 A2 -- B1 B2 (or use --config)')
    .option('--labels <a,b,…>', 'names of the configurations (default: config 1, 2, …)')
    .option('--config <file>', 'JSON: {"configurations": [{"label", "captures": [...], "logs": [...]}]}')
    .option('--out <dir>', 'folder to write the SVG and PNG files into', '.')
    .option('--no-png', 'SVG only')
    .option('--nomad-api-port <port>', nomadApiPortHelp, collect, [] as string[])
    .action(async (_captures: string[], opts: FiguresOptions) => {
      try {
        const { makeFigures } = await import('../../src/pipeline/figures.js');
        const { loadResvg, svgToPng } = await import('../../src/report/svgToPng.js');
        const { mkdir, readFile } = await import('node:fs/promises');
        const configs = opts.config
          ? (JSON.parse(await readFile(opts.config, 'utf8')) as { configurations: Configuration[] }).configurations
          : configurationsOfArgv(opts);
        if (configs.length === 0) unusable('figures needs captures (A1 A2 -- B1 B2) or --config FILE');
        // Without the PNG renderer, say so before any work and write nothing.
        if (opts.png) loadResvg();
        const { figures } = await makeFigures(configs, { nomadApiPorts: nomadApiPortsOf(opts.nomadApiPort) });
        // Every file made before the first is written: a failure leaves no half set behind.
        const files = figures.flatMap((f) => [
          { name: `${f.id}.svg`, data: f.svg },
          ...(opts.png ? [{ name: `${f.id}.png`, data: svgToPng(f.svg) }] : []),
        ]);
        await mkdir(opts.out, { recursive: true });
        for (const file of files) await writeFile(`${opts.out}/${file.name}`, file.data);
        for (const f of figures) process.stderr.write(`${figureNote(f)}\n`);
        if (figures.length === 0)
          process.stderr.write('vim-analyse: no figure could be drawn (no complete request in any configuration)\n');
      } catch (e) {
        fail(e);
      }
    });
}
