/**
 * The shipped CLI, `dist/cli/vim-analyse.js`: tsc's output of bin/ bundled by esbuild into a few
 * chunks, because Node starts one file faster than the ~160 modules tsc leaves (each is resolved,
 * read and compiled on its own). Split at the commands' dynamic imports, so a command still loads
 * only what it runs; the capture worker is an entry of its own beside the chunk that starts it
 * (parallelCapture.ts finds it as `./captureWorker.js`). Native addons, protobufjs and prom-client are loaded with
 * createRequire at run time, from node_modules as before. The library (dist/src) stays unbundled but for its
 * capture worker, which every worker thread of a parallel analysis loads anew: one file, in place of tsc's.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');
const outdir = join(root, 'dist/cli');

/** What both bundles share. */
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // commander is CommonJS: its require('node:events') needs a require in an ES module.
  banner: {
    js: "import { createRequire as vimaRequire } from 'node:module'; const require = vimaRequire(import.meta.url);",
  },
  // Minified: Node parses every chunk a command loads at each start, and a CLI run on a small capture is
  // mostly start. Errors name no function (a stack only with VIM_ANALYSE_DEBUG); the source maps beside
  // the chunks give one in TypeScript terms with NODE_OPTIONS=--enable-source-maps.
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
} as const;

rmSync(outdir, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: [join(root, 'dist/bin/vim-analyse.js'), join(root, 'dist/src/pipeline/captureWorker.js')],
  outdir,
  splitting: true,
  entryNames: '[name]',
  // Beside the entries: a chunk's import.meta.url is where it looks for the worker.
  chunkNames: '[name]-[hash]',
});

// After the CLI, which bundles tsc's worker. Its .d.ts stays; its map now comes from esbuild.
const libraryWorker = join(root, 'dist/src/pipeline/captureWorker.js');
await build({ ...common, entryPoints: [libraryWorker], outfile: libraryWorker, allowOverwrite: true });
