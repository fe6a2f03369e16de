/**
 * The npm tarball installed into a fresh project, as a consumer gets it: `npm pack` of a
 * fresh build, unpacked into `node_modules/vim-analyse`, its dependencies linked from this
 * checkout's node_modules (the same versions npm would install, without the registry).
 * Optional dependencies can be left out to see the package without them.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

/**
 * The tarball of a fresh build: the package's sources staged in a temporary folder and
 * compiled there, so that files a stale dist/ still holds (a module moved since) cannot
 * reach it, and this checkout's dist/ is neither needed nor touched.
 */
function freshTarball(into: string): PackedProject['pack'] & { filename: string } {
  const stage = mkdtempSync(join(tmpdir(), 'vim-analyse-stage-'));
  for (const f of ['package.json', 'README.md', 'tsconfig.json', 'schemas', 'docs', 'src', 'bin'])
    cpSync(join(repoRoot, f), join(stage, f), { recursive: true });
  // The CLI's bundler, compiled with the rest (package.json's build).
  cpSync(join(repoRoot, 'scripts/bundleCli.ts'), join(stage, 'scripts/bundleCli.ts'));
  symlinkSync(join(repoRoot, 'node_modules'), join(stage, 'node_modules'));
  execFileSync(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', join(stage, 'tsconfig.json')], {
    cwd: stage,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  execFileSync(process.execPath, [join(stage, 'dist/scripts/bundleCli.js')], {
    cwd: stage,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', into], {
    cwd: stage,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  rmSync(stage, { recursive: true, force: true });
  return (JSON.parse(out) as (PackedProject['pack'] & { filename: string })[])[0];
}

export function packedProject(options: { without?: string[] } = {}): PackedProject {
  const dir = mkdtempSync(join(tmpdir(), 'vim-analyse-consumer-'));
  const pack = freshTarball(dir);
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
