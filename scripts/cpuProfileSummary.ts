/**
 * `node dist/scripts/cpuProfileSummary.js <dir> <fork|cli> [top] [--inclusive]`: the samples of every
 * .cpuprofile of one kind in `dir` (cpuProfileHook.ts), summed by function (name, file, line), most first:
 * self time, or with --inclusive the time a function was on the stack. Seconds of samples: wall time of
 * the main thread, so `(idle)` and a blocking `spawn` are waits, not CPU.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [dir, kind, topArg] = process.argv.slice(2);
if (!dir || !kind) {
  process.stderr.write('usage: cpuProfileSummary <dir> <fork|cli> [top] [--inclusive]\n');
  process.exit(2);
}
const inclusive = process.argv.includes('--inclusive');
const top = Number(topArg) || 40;
const byFunction = new Map<string, number>();
let total = 0;
let profiles = 0;
const name = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*\//, '')}:${n.callFrame.lineNumber + 1}`;

for (const file of readdirSync(dir).filter((f) => f.startsWith(`${kind}-`) && f.endsWith('.cpuprofile'))) {
  profiles++;
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const micros = new Map<number, number>();
  p.samples.forEach((s, i) => micros.set(s, (micros.get(s) ?? 0) + (p.timeDeltas[i] ?? 0)));
  for (const [id, us] of micros) {
    total += us;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = inclusive ? parent.get(at) : undefined) {
      const key = name(byId.get(at)!);
      if (seen.has(key)) continue;
      seen.add(key);
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    }
  }
}
process.stdout.write(`${profiles} ${kind} profiles, ${(total / 1e6).toFixed(1)} s of samples\n`);
for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
  process.stdout.write(`${(us / 1e6).toFixed(2).padStart(8)}  ${key}\n`);
