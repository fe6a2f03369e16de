/**
 * The npm tarball installed into a fresh project, as a consumer gets it: `npm pack` of the
 * built tree, unpacked into `node_modules/vim-analyse`, its dependencies linked from this
 * checkout's node_modules (the same versions npm would install, without the registry).
 * Optional dependencies can be left out to see the package without them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');

export interface PackedProject {
  dir: string;
  tarball: string;
  /** `npm pack --json`'s entry: size, unpackedSize, entryCount, files. */
  pack: { size: number; unpackedSize: number; entryCount: number; files: { path: string; size: number }[] };
  /** The installed package's folder. */
  pkg: string;
}

export function packedProject(options: { without?: string[] } = {}): PackedProject {
  if (!existsSync(join(repoRoot, 'dist/src/index.js'))) throw new Error('build first (npx tsc -p tsconfig.json): dist/src/index.js is missing');
  const dir = mkdtempSync(join(tmpdir(), 'vim-analyse-consumer-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const pack = (JSON.parse(out) as (PackedProject['pack'] & { filename: string })[])[0];
  const tarball = join(dir, pack.filename);
  const pkg = join(dir, 'node_modules/vim-analyse');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1']);
  const without = new Set(['vim-analyse', '.bin', ...(options.without ?? [])]);
  const source = join(repoRoot, 'node_modules');
  for (const name of readdirSync(source)) {
    if (without.has(name)) continue;
    if (name.startsWith('@')) {
      mkdirSync(join(dir, 'node_modules', name), { recursive: true });
      for (const sub of readdirSync(join(source, name))) {
        if (!without.has(`${name}/${sub}`)) symlinkSync(join(source, name, sub), join(dir, 'node_modules', name, sub));
      }
    } else symlinkSync(join(source, name), join(dir, 'node_modules', name));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }, null, 2));
  return { dir, tarball, pack, pkg };
}
