/**
 * The package as a consumer installs it: the packed tarball in a fresh project, loaded by
 * `require` and by `import`, compiled against by a strict TypeScript consumer, and its CLI
 * without the optional PNG package.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { capturePath } from '../helpers/groundTruth.js';
import { packedProject, repoRoot, type PackedProject } from '../helpers/packedProject.js';

const node = (p: PackedProject, file: string) => execFileSync(process.execPath, [file], { cwd: p.dir, encoding: 'utf8' });

describe('the packed tarball', () => {
  let p: PackedProject;
  beforeAll(() => {
    // Without the optional PNG renderer: the figures test below needs it absent.
    p = packedProject({ without: ['@resvg'] });
  }, 120_000);

  it('is loaded by require() and by import, as one module (no second copy of its classes)', () => {
    const file = capturePath('nomad-modern');
    writeFileSync(join(p.dir, 'consumer.cjs'), `
const va = require('vim-analyse');
va.analyse(${JSON.stringify(file)}).then(async (r) => {
  const esm = await import('vim-analyse');
  console.log(JSON.stringify({ requests: r.requests.length, schema: r.schema, same: esm.UnusableInputError === va.UnusableInputError && esm.analyse === va.analyse }));
});
`);
    writeFileSync(join(p.dir, 'consumer.mjs'), `
import { analyse } from 'vim-analyse';
const r = await analyse(${JSON.stringify(file)});
console.log(JSON.stringify({ requests: r.requests.length, schema: r.schema }));
`);
    const cjs = JSON.parse(node(p, 'consumer.cjs')) as { requests: number; schema: string; same: boolean };
    const esm = JSON.parse(node(p, 'consumer.mjs')) as { requests: number; schema: string };
    expect(cjs).toEqual({ requests: 40, schema: 'vim-analyse/1', same: true });
    expect(esm).toEqual({ requests: 40, schema: 'vim-analyse/1' });
  });

  it('figures without @resvg/resvg-js: one line saying what to do, exit 2, no file written; --no-png works', () => {
    const cli = join(p.pkg, 'dist/bin/vim-analyse.js');
    const out = join(p.dir, 'figs');
    const r = spawnSync(process.execPath, [cli, 'figures', capturePath('nomad-modern'), '--out', out], { cwd: p.dir, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/@resvg\/resvg-js/);
    expect(r.stderr).toMatch(/--no-png/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(existsSync(out)).toBe(false);
    const ok = spawnSync(process.execPath, [cli, 'figures', capturePath('nomad-modern'), '--out', out, '--no-png'], { cwd: p.dir, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    // fig17 (driver sub-phases) needs the client logs, not given here.
    expect(readdirSync(out).sort()).toEqual(['fig16-nomad-total.svg']);
  });

  it('a strict TypeScript consumer (NodeNext, exactOptionalPropertyTypes) compiles against the packed .d.ts, ESM and CommonJS', () => {
    writeFileSync(join(p.dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noEmit: true, types: ['node'], skipLibCheck: false },
      files: ['consumer.mts', 'consumer.cts'],
    }));
    writeFileSync(join(p.dir, 'consumer.mts'), consumerSource('esm'));
    writeFileSync(join(p.dir, 'consumer.cts'), consumerSource('cjs'));
    const tsc = spawnSync(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', p.dir], { cwd: p.dir, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);
});

/** A consumer using the exports with their types (the same body, imported or required). */
function consumerSource(kind: 'esm' | 'cjs'): string {
  const head = kind === 'esm'
    ? `import * as va from 'vim-analyse';\nimport type { AnalysisResult, ResultRequest, AnalyseOptions, AnalyseStreamEvent } from 'vim-analyse';\n`
    : `import va = require('vim-analyse');\ntype AnalysisResult = va.AnalysisResult; type ResultRequest = va.ResultRequest; type AnalyseOptions = va.AnalyseOptions; type AnalyseStreamEvent = va.AnalyseStreamEvent;\n`;
  return `${head}
export async function use(file: string): Promise<number> {
  const options: AnalyseOptions = { logFiles: [], signal: new AbortController().signal };
  const result: AnalysisResult = await va.analyse(file, options);
  const first: ResultRequest | undefined = result.requests[0];
  let n = first ? Object.keys(first.phases).length : 0;
  for await (const e of va.analyseStream({ name: 'x.pcap', data: new Uint8Array(0) })) {
    const ev: AnalyseStreamEvent = e;
    if (ev.type === 'request') n += ev.provisional.length;
    else if (ev.type === 'result') n += ev.result.requests.length;
  }
  return n;
}
`;
}
