/** The import-direction check: clean on this tree, and it finds an upward import and a cycle. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkImports, readLayers } from '../../scripts/checkImports.js';

const root = resolve(__dirname, '../..');
const layers = readLayers(readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8'));

describe('checkImports', () => {
  const tree = mkdtempSync(join(tmpdir(), 'vim-imports-'));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  };

  it('reads the layer list of docs/ARCHITECTURE.md, lowest first', () => {
    expect(layers.indexOf('src/capture')).toBeLessThan(layers.indexOf('src/net'));
    expect(layers.indexOf('src/result')).toBeLessThan(layers.indexOf('src/report'));
    expect(layers.indexOf('testkit')).toBeLessThan(layers.indexOf('fuzz'));
    expect(layers.at(-1)).toBe('test');
  });

  it('finds nothing to report in this repository', () => {
    expect(checkImports(root, layers).map((v) => v.text)).toEqual([]);
  });

  it('reports an import from a stage to one above it, and a cycle', () => {
    write('src/net/a.ts', "import type { R } from '../report/r.js';\nexport const a = 1;\n");
    write('src/report/r.ts', 'export type R = number;\n');
    write('src/timeline/x.ts', "import { y } from './y.js';\nexport const x = () => y;\n");
    write('src/timeline/y.ts', "import { x } from './x.js';\nexport const y = () => x;\n");
    write('fuzz/f.ts', "const h = await import('../test/helpers/h.js');\n");
    write('test/helpers/h.ts', 'export {};\n');
    expect(
      checkImports(tree, layers)
        .map((v) => v.text)
        .sort(),
    ).toEqual([
      'fuzz/f.ts imports test/helpers/h.ts: test is above fuzz',
      'import cycle among src/timeline/x.ts, src/timeline/y.ts',
      'src/net/a.ts imports src/report/r.ts: src/report is above src/net',
    ]);
  });
});
