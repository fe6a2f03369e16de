/**
 * The package as a consumer installs it: the packed tarball in a fresh project, loaded by
 * `require` and by `import`, compiled against by a strict TypeScript consumer, and its CLI
 * without the optional PNG package.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturePath, fixturesDir } from '../helpers/groundTruth.js';
import { packedProject, repoRoot, type PackedProject } from '../helpers/packedProject.js';

const node = (p: PackedProject, file: string) =>
  execFileSync(process.execPath, [file], { cwd: p.dir, encoding: 'utf8' });

describe('the packed tarball', () => {
  let p: PackedProject;
  beforeAll(() => {
    // Without the optional PNG renderer: the figures test below needs it absent.
    p = packedProject({ without: ['@resvg'] });
  }, 180_000);
  afterAll(() => rmSync(p.dir, { recursive: true, force: true }));

  it('is loaded by require() and by import, as one module (no second copy of its classes)', () => {
    const file = capturePath('nomad-modern');
    writeFileSync(
      join(p.dir, 'consumer.cjs'),
      `
const va = require('vim-analyse');
va.analyse(${JSON.stringify(file)}).then(async (r) => {
  const esm = await import('vim-analyse');
  console.log(JSON.stringify({ requests: r.requests.length, schema: r.schema, same: esm.UnusableInputError === va.UnusableInputError && esm.analyse === va.analyse }));
});
`,
    );
    writeFileSync(
      join(p.dir, 'consumer.mjs'),
      `
import { analyse } from 'vim-analyse';
const r = await analyse(${JSON.stringify(file)});
console.log(JSON.stringify({ requests: r.requests.length, schema: r.schema }));
`,
    );
    const cjs = JSON.parse(node(p, 'consumer.cjs')) as { requests: number; schema: string; same: boolean };
    const esm = JSON.parse(node(p, 'consumer.mjs')) as { requests: number; schema: string };
    expect(cjs).toEqual({ requests: 40, schema: 'vim-analyse/2', same: true });
    expect(esm).toEqual({ requests: 40, schema: 'vim-analyse/2' });
  });

  it('holds what a consumer uses: maps with their sources (in the package or the map), no images, docs the .d.ts name, the native addon bundled', () => {
    const files = new Set(p.pack.files.map((f) => f.path));
    expect([...files].filter((f) => /\.(png|jpe?g|gif)$/i.test(f) || f.startsWith('docs/img/'))).toEqual([]);
    let maps = 0;
    for (const f of files) {
      if (f.endsWith('.js')) {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(p.pkg, f), 'utf8'))?.[1];
        if (url) expect(files.has(posix.join(posix.dirname(f), url)), `${f} → ${url}`).toBe(true);
      }
      if (!f.endsWith('.js.map')) continue;
      maps++;
      const map = JSON.parse(readFileSync(join(p.pkg, f), 'utf8')) as {
        sources: string[];
        sourceRoot?: string;
        sourcesContent?: (string | null)[];
      };
      // A source is in the package, or in the map (the CLI bundle's dependencies, commander and the like).
      for (const [i, src] of map.sources.entries())
        expect(
          files.has(posix.normalize(posix.join(posix.dirname(f), map.sourceRoot ?? '', src))) ||
            typeof map.sourcesContent?.[i] === 'string',
          `${f} → ${src}`,
        ).toBe(true);
    }
    expect(maps).toBeGreaterThan(50);
    // Docs the declarations point readers to.
    const named = new Set<string>();
    for (const f of files)
      if (f.endsWith('.d.ts'))
        for (const m of readFileSync(join(p.pkg, f), 'utf8').matchAll(/\bdocs\/[\w./-]+\.(?:md|json)/g))
          named.add(m[0]);
    expect(named.size).toBeGreaterThan(0);
    for (const d of named) expect(files.has(d), d).toBe(true);
    // A file: dependency is a link into this checkout: it must travel bundled, with its sources.
    const manifest = JSON.parse(readFileSync(join(p.pkg, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | string[] | undefined
    >;
    const bundled = (manifest.bundleDependencies ?? []) as string[];
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
      for (const [name, spec] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
        if (!spec.startsWith('file:')) continue;
        expect(bundled, `${field}.${name} (${spec})`).toContain(name);
        expect(files.has(`node_modules/${name}/package.json`)).toBe(true);
        expect(
          [...files].some((f) => f.startsWith(`node_modules/${name}/build/`)),
          'no prebuilt binary of this machine',
        ).toBe(false);
      }
    }
  });

  it('ships the JSON Schemas, resolvable as vim-analyse/schemas/*', () => {
    writeFileSync(
      join(p.dir, 'schemas.cjs'),
      `
const names = ['result', 'info', 'compare', 'message', 'stream-event', 'common'];
console.log(JSON.stringify(names.map((n) => require(require.resolve('vim-analyse/schemas/' + n + '.schema.json')).$schema)));
`,
    );
    expect(JSON.parse(node(p, 'schemas.cjs'))).toEqual(Array(6).fill('https://json-schema.org/draft/2020-12/schema'));
  });

  it('figures without @resvg/resvg-js: one line saying what to do, exit 2, no file written; --no-png works', () => {
    const cli = binOf(p);
    const out = join(p.dir, 'figs');
    const r = spawnSync(process.execPath, [cli, 'figures', capturePath('nomad-modern'), '--out', out], {
      cwd: p.dir,
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/@resvg\/resvg-js/);
    expect(r.stderr).toMatch(/--no-png/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(existsSync(out)).toBe(false);
    const ok = spawnSync(process.execPath, [cli, 'figures', capturePath('nomad-modern'), '--out', out, '--no-png'], {
      cwd: p.dir,
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    // fig17 (driver sub-phases) needs the client logs, not given here.
    expect(readdirSync(out).sort()).toEqual(['fig16-nomad-total.svg']);
  });

  it("its bin is the bundled CLI: it runs installed, its worker threads found beside it, its commands' chunks", () => {
    const cli = binOf(p);
    expect(posix.relative(p.pkg, cli)).toBe('dist/cli/vim-analyse.js');
    expect(p.pack.files.some((f) => f.path === 'dist/cli/captureWorker.js')).toBe(true);
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: p.dir, encoding: 'utf8' });
    const file = join(fixturesDir, 'nomad-stock-3runs.pcap');
    const one = run(file, '--json', '-q');
    const two = run(file, '--json', '-q', '--workers', '2');
    expect(one.status, one.stderr).toBe(0);
    expect(two.status, two.stderr).toBe(0);
    expect((JSON.parse(one.stdout) as { requests: unknown[] }).requests).toHaveLength(3);
    expect(two.stdout).toBe(one.stdout);
    // Commands load their chunks when they run.
    for (const args of [
      ['info', file, '-q'],
      ['messages', file, '-q'],
    ]) {
      const r = run(...args);
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(100);
    }
    // No module of the library is loaded from the unbundled dist/bin, which the package does not ship.
    expect(p.pack.files.some((f) => f.path.startsWith('dist/bin/'))).toBe(false);
  });

  it('a strict TypeScript consumer (NodeNext, exactOptionalPropertyTypes) compiles against the packed .d.ts, ESM and CommonJS', () => {
    writeFileSync(
      join(p.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          noEmit: true,
          types: ['node'],
          skipLibCheck: false,
        },
        files: ['consumer.mts', 'consumer.cts'],
      }),
    );
    const names = exportedNames(readFileSync(join(p.pkg, 'dist/src/index.d.ts'), 'utf8'));
    expect(names.values.length).toBeGreaterThan(30);
    expect(names.types).toContain('PhaseAvailability');
    writeFileSync(join(p.dir, 'consumer.mts'), consumerSource('esm', names));
    writeFileSync(join(p.dir, 'consumer.cts'), consumerSource('cjs', names));
    const tsc = spawnSync(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', p.dir], { cwd: p.dir, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);
});

/** The installed package's `vim-analyse` command, as its manifest names it. */
function binOf(p: PackedProject): string {
  const manifest = JSON.parse(readFileSync(join(p.pkg, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  return join(p.pkg, manifest.bin['vim-analyse']);
}

/** Every name the packed index.d.ts exports, split into values and types. */
function exportedNames(indexDts: string): { values: string[]; types: string[] } {
  const values: string[] = [],
    types: string[] = [];
  for (const m of indexDts.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    for (const part of m[2]
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const typeOnly = !!m[1] || part.startsWith('type ');
      const name = part
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()!;
      (typeOnly ? types : values).push(name);
    }
  }
  return { values, types };
}

/**
 * A consumer of the package: every export named (values read, types instantiated), and the
 * main calls made with their types — the same body, imported (ESM) or required (CJS).
 */
function consumerSource(kind: 'esm' | 'cjs', names: { values: string[]; types: string[] }): string {
  const head = kind === 'esm' ? `import * as va from 'vim-analyse';\n` : `import va = require('vim-analyse');\n`;
  return `${head}
export const values: unknown[] = [${names.values.map((v) => `va.${v}`).join(', ')}];
${names.types.map((t) => `export type T_${t} = va.${t};`).join('\n')}

export async function use(file: string, log: string): Promise<string[]> {
  const out: string[] = [];
  const options: va.AnalyseOptions = { logFiles: [log], signal: new AbortController().signal, clockOffsets: { compute1: 12.5 } };
  const result: va.AnalysisResult = await va.analyse(file, options);
  const first: va.ResultRequest | undefined = result.requests[0];
  const phase: va.ResultPhase | undefined = first?.phases['total'];
  if (phase) out.push(phase.source satisfies va.PhaseSource);
  // counters are typed: no casts.
  const c: va.ResultCounters = result.counters;
  out.push(String(c.messages.nomadRpc + c.requestsGivenUp + c.messagesNotKept + (c.net[0]?.packets ?? 0)));
  for (const l of c.logs) out.push('whrBlocks' in l ? String(l.whrBlocks) : l.host);
  // diagnosis evidence narrows by kind.
  for (const d of result.diagnosis) {
    if (d.kind === 'timer') out.push(String(d.evidence.grid.periodMs + d.periodMs), d.evidence.grid.first.name);
    else if (d.kind === 'outlier') out.push(d.evidence.request, String(d.evidence.longestSilence.ms));
    else if (d.kind === 'dominant') out.push(d.evidence.of, String(d.evidence.shareCi95[0]));
    else if (d.kind === 'batching') out.push(String(('example' in d.evidence ? d.evidence.example.held.length : d.evidence.posts) + d.windowMs));
    else if (d.kind === 'queueing') out.push(String(d.evidence.phases[0]?.rho ?? 0));
  }
  const availability: va.PhaseAvailability = result.availability;
  out.push(Object.keys(availability).join());
  for await (const e of va.analyseStream({ name: 'x.pcap', data: new Uint8Array(0) })) {
    const ev: va.AnalyseStreamEvent = e;
    out.push(va.streamEventLine(ev).slice(0, 9));
    if (ev.type === 'request') out.push(...ev.provisional);
    else if (ev.type === 'update') out.push(ev.request.id);
    else out.push(ev.result.schema);
  }
  const cmp: va.ComparisonResult = await va.compareCaptures(file, [file], { labels: ['a', 'b'], sides: [{ logFiles: [log] }, {}] });
  out.push(cmp.schema);
  const info: va.CaptureInfo = await va.captureInfo(file, { signal: new AbortController().signal });
  const conn: va.ConnectionRow | undefined = info.connections[0];
  out.push(conn?.protocol satisfies va.GuessedProtocol | undefined ?? '');
  const withMessages = await va.analyseWithMessages(file);
  const format: va.ResultFormat = 'html';
  const texts: (string | Uint8Array)[] = [
    va.formatResult(result, format, { messages: withMessages.messages }),
    va.requestsCsv(result),
    va.reportHtml(result, { messages: withMessages.messages }),
    va.breakdownSvg([{ label: 'a', result }]),
    JSON.stringify(va.chromeTrace(result, { messages: withMessages.messages })),
    JSON.stringify(va.otlpTraces(result)),
    va.otlpProtobuf(result),
    [...va.resultJsonChunks(result)].join(''),
    va.infoText(info),
    va.compareText(cmp),
  ];
  if (first) texts.push(va.waterfallSvg(first, withMessages.messages));
  out.push(String(texts.length));
  const lines: va.MessageLine[] = await va.listMessages(file);
  out.push(String(lines.length));
  const figures = await va.makeFigures([{ label: 'a', captures: [file] }], { signal: new AbortController().signal });
  out.push(...figures.figures.map((f: va.Figure) => f.id));
  return out;
}
`;
}
