/**
 * The outputs of the commands that write one analysis several ways (the main job, `messages`):
 * `-o` is repeatable, so one reading of a big capture writes every form it is wanted in
 * (`-o r.json -o r.html -o chrome=trace.json`). An output's format is its `FORMAT=` prefix, else
 * (with one output) --format/--json, else its file's extension; with one output and neither, the
 * command's default, as every command chooses it (chooseFormat).
 */
import { resolve } from 'node:path';
import { visible } from '../../src/report/visible.js';
import { unusable } from './exits.js';
import { chooseFormat, formatOfFile } from './options.js';

export interface ChosenOutput {
  /** A file name, or '-' for standard output. */
  file: string;
  format: string;
}

export const outputListHelp =
  'write to a file instead of standard output (-: standard output); repeatable: one analysis, ' +
  'several outputs, each in the format its FORMAT= prefix (chrome=trace.json) or its extension names';

/** `FORMAT=FILE` when the part before '=' is a format; a file whose name holds '=' is otherwise itself. */
function splitPrefix(spec: string, allowed: readonly string[]): { format?: string; file: string } {
  const at = spec.indexOf('=');
  if (at > 0 && allowed.includes(spec.slice(0, at))) return { format: spec.slice(0, at), file: spec.slice(at + 1) };
  return { file: spec };
}

/** The outputs the options ask for (standard output in the default format without -o); a bad set exits 2. */
export function outputListOf(
  command: string,
  opts: { format?: string; json?: boolean; output: string[] },
  allowed: readonly string[],
  fallback: string,
): ChosenOutput[] {
  const specs = opts.output.length ? opts.output.map((o) => splitPrefix(o, allowed)) : [{ file: '-' }];
  if (specs.length === 1) {
    const [{ format, file }] = specs;
    const named = opts.format ?? (opts.json ? 'json' : undefined);
    if (format !== undefined && named !== undefined && named !== format)
      unusable(`-o ${visible(format)}=${visible(file)} names another format than --format/--json (${visible(named)})`);
    return [
      {
        file,
        format: chooseFormat(command, { ...opts, format: format ?? opts.format, output: file }, allowed, fallback),
      },
    ];
  }
  if (opts.format !== undefined || opts.json)
    unusable('with several -o, each names its format (FORMAT=FILE or an extension), not --format/--json');
  const seen = new Set<string>();
  return specs.map(({ format, file }) => {
    const chosen = format ?? formatOfFile(file, allowed);
    if (chosen === undefined)
      unusable(
        `-o ${visible(file)}: no format in its name; say it as FORMAT=${visible(file)} (one of ${allowed.join(', ')})`,
      );
    const where = file === '-' ? '-' : resolve(file);
    if (seen.has(where)) unusable(`-o ${visible(file)} given twice`);
    seen.add(where);
    return { file, format: chosen };
  });
}
