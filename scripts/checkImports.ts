/**
 * The import-direction check run by `npm test`: every relative import must point to the
 * importer's own layer or one listed before it in docs/ARCHITECTURE.md ("Import direction"),
 * and no two modules of src/ may import each other through a cycle. Prints one line per
 * violation and exits 1 when there is any.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ImportViolation {
  from: string;
  to: string;
  text: string;
}

const specifiers =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?\bfrom\s*'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)|^\s*import\s*'([^']+)'/gm;

/** The layers, lowest first, from the fenced block after the "Import direction" heading. */
export function readLayers(architectureMd: string): string[] {
  const m = /^## Import direction\n[\s\S]*?```text\n([\s\S]*?)```/m.exec(architectureMd);
  if (m === null)
    throw new Error('docs/ARCHITECTURE.md has no "## Import direction" section with a ```text block of layers');
  return m[1]
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

function tsFiles(path: string): string[] {
  if (!statSync(path, { throwIfNoEntry: false })) return [];
  if (statSync(path).isFile()) return path.endsWith('.ts') ? [path] : [];
  return readdirSync(path, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' ? [] : tsFiles(join(path, e.name)),
  );
}

/** Relative imports of one file, as repository paths of the imported `.ts` files. */
function importsOf(root: string, file: string): string[] {
  const out: string[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(specifiers)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith('.')) continue;
    out.push(
      relative(root, resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
        .split(sep)
        .join('/'),
    );
  }
  return out;
}

/** Checks every `.ts` file of the layers under `root`; returns the violations found. */
export function checkImports(root: string, layers: readonly string[]): ImportViolation[] {
  const layerOf = (path: string): number => {
    let best = -1;
    layers.forEach((l, i) => {
      if ((path === l || path.startsWith(`${l}/`)) && (best < 0 || l.length > layers[best].length)) best = i;
    });
    return best;
  };
  const violations: ImportViolation[] = [];
  const graph = new Map<string, string[]>();
  for (const file of layers.flatMap((l) => tsFiles(join(root, l)))) {
    const from = relative(root, file).split(sep).join('/');
    const targets = importsOf(root, file);
    graph.set(from, targets);
    const lf = layerOf(from);
    for (const to of targets) {
      const lt = layerOf(to);
      if (lt > lf) violations.push({ from, to, text: `${from} imports ${to}: ${layers[lt]} is above ${layers[lf]}` });
      else if (lt < 0 && from.startsWith('src/'))
        violations.push({ from, to, text: `${from} imports ${to}, which is in no layer` });
    }
  }
  for (const cycle of cyclesIn(graph, (f) => f.startsWith('src/'))) {
    violations.push({ from: cycle[0], to: cycle[1], text: `import cycle among ${cycle.join(', ')}` });
  }
  return violations;
}

/** One cycle per strongly connected component of more than one module (Tarjan). */
function cyclesIn(graph: ReadonlyMap<string, string[]>, keep: (f: string) => boolean): string[][] {
  const index = new Map<string, number>(),
    low = new Map<string, number>(),
    stack: string[] = [],
    on = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of (graph.get(v) ?? []).filter((x) => graph.has(x) && keep(x))) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.reverse());
    }
  };
  for (const v of [...graph.keys()].filter(keep).sort()) if (!index.has(v)) visit(v);
  return out;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Run from dist/scripts/: the repository is two folders up.
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const violations = checkImports(root, readLayers(readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8')));
  for (const v of violations) console.error(v.text);
  if (violations.length > 0) process.exit(1);
  console.log('imports: every one points down the layers of docs/ARCHITECTURE.md, no cycle in src/');
}
