/**
 * The fuzz run: make variants of every capture, analyse each under a time limit, judge
 * and summarise. With `workers` > 0 each variant runs in a child process (a hang is
 * killed at the time limit, RSS is that child's alone); with 0 it runs in this process
 * (the quick test: a hang shows as the test's own timeout).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyseVariantFile, type AnalyseJob, type AnalyseOutcome } from './analyseVariant.js';
import { loadCaptureBase, type CaptureBase } from './captureBase.js';
import { makeVariant, type Variant } from './variant.js';

export interface FuzzOptions {
  /** Capture folders (each with one capture.* file) by name. */
  captures: { name: string; path: string; secrets: string[] }[];
  variants: number;
  seed: number;
  /** Run only these variant numbers (reproduction). */
  only?: number[];
  timeLimitMs: number;
  rssLimitBytes: number;
  /** Child processes; 0 = in this process. */
  workers: number;
  /** Threads each analysis parses with (analyse's `workers`; default 1); each past the first adds extraRssPerThread to the RSS bound. */
  threads?: number;
  /** The worker script (compiled fuzzWorker.js), needed when workers > 0. */
  workerScript?: string;
  wholeFraction: number;
  maxWindow?: number;
  onVariant?: (v: Variant, o: AnalyseOutcome) => void;
}

export interface Finding {
  index: number;
  capture: string;
  kind: string;
  status: AnalyseOutcome['status'];
  message: string;
  notes: string[];
}

export interface KindFigures {
  runs: number;
  ok: number;
  rejected: number;
  failed: number;
  totalMs: number;
}

export interface FuzzSummary {
  seed: number;
  variants: number;
  byKind: Record<string, KindFigures>;
  byCapture: Record<string, number>;
  findings: Finding[];
  maxRssBytes: number;
  maxRssVariant: number;
  maxVariantMs: number;
  slowestVariant: number;
  wallMs: number;
}

export const failed = (s: AnalyseOutcome['status']): boolean => s !== 'ok' && s !== 'rejected';

/** Capture folders under `dir` with their capture file and secrets. */
export function sharedCaptureSet(dir: string): FuzzOptions['captures'] {
  const names = ['nomad-2016-stock', 'nomad-2016-tuned', 'nomad-modern', 'nova-burst', 'nova-seq'];
  const out: FuzzOptions['captures'] = [];
  for (const name of names) {
    const file = ['capture.pcap', 'capture.pcapng', 'capture.pcap.gz', 'capture.pcapng.gz']
      .map((f) => join(dir, name, f))
      .find(existsSync);
    if (file) out.push({ name, path: file, secrets: secretsIn(join(dir, name)) });
  }
  return out;
}

function secretsIn(folder: string): string[] {
  const txt = join(folder, 'secrets.txt');
  if (existsSync(txt))
    return readFileSync(txt, 'utf8')
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
  const truth = JSON.parse(readFileSync(join(folder, 'truth.json'), 'utf8')) as { secrets?: Record<string, unknown> };
  return Object.values(truth.secrets ?? {}).flatMap((v) =>
    typeof v === 'string' ? [v] : Array.isArray(v) ? v.map(String) : [],
  );
}

/**
 * What each thread past the first adds to an analysis's peak RSS: its own V8 isolate with the
 * stages loaded (36–39 MiB measured on nomad-modern and nova-seq variants, fresh process).
 */
const extraRssPerThread = 40 * 2 ** 20;

/** Runs one job at a time in a child; kills and replaces it on a hang or a crash. */
class ChildRunner {
  private child: ChildProcess | null = null;
  constructor(private readonly script: string) {}

  private spawn(): ChildProcess {
    const c = fork(this.script, [], {
      execArgv: ['--expose-gc'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    c.stderr?.resume();
    return c;
  }

  run(job: AnalyseJob, timeLimitMs: number): Promise<AnalyseOutcome> {
    const child = (this.child ??= this.spawn());
    return new Promise((resolveJob) => {
      const t0 = performance.now();
      const finish = (o: AnalyseOutcome) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolveJob(o);
      };
      const onMessage = (o: AnalyseOutcome) => finish(o);
      const onExit = (code: number | null, signal: string | null) => {
        this.child = null;
        finish({
          status: 'crash',
          ms: performance.now() - t0,
          peakRssBytes: 0,
          requests: 0,
          message: `worker died (exit ${code}, signal ${signal})`,
        });
      };
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        child.kill('SIGKILL');
        this.child = null;
        finish({
          status: 'hang',
          ms: performance.now() - t0,
          peakRssBytes: 0,
          requests: 0,
          message: `no answer within ${timeLimitMs} ms`,
        });
      }, timeLimitMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(job);
    });
  }

  stop(): void {
    this.child?.kill();
    this.child = null;
  }
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const t0 = performance.now();
  const bases: CaptureBase[] = [];
  for (const c of o.captures) bases.push(await loadCaptureBase(c.name, c.path));
  const secrets = new Map(o.captures.map((c) => [c.name, c.secrets]));
  const queue = o.only ?? Array.from({ length: o.variants }, (_, i) => i);
  const summary: FuzzSummary = {
    seed: o.seed,
    variants: 0,
    byKind: {},
    byCapture: {},
    findings: [],
    maxRssBytes: 0,
    maxRssVariant: -1,
    maxVariantMs: 0,
    slowestVariant: -1,
    wallMs: 0,
  };
  const dir = mkdtempSync(join(tmpdir(), 'vim-analyse-fuzz-'));
  const rssLimitBytes = o.rssLimitBytes + extraRssPerThread * Math.max(0, (o.threads ?? 1) - 1);

  const record = (v: Variant, out: AnalyseOutcome) => {
    if (out.status === 'ok' && out.peakRssBytes > rssLimitBytes) {
      out = {
        ...out,
        status: 'memory',
        message: `peak RSS ${(out.peakRssBytes / 2 ** 20).toFixed(0)} MiB over the bound`,
      };
    }
    summary.variants++;
    summary.byCapture[v.capture] = (summary.byCapture[v.capture] ?? 0) + 1;
    const k = (summary.byKind[v.kind] ??= { runs: 0, ok: 0, rejected: 0, failed: 0, totalMs: 0 });
    k.runs++;
    k.totalMs += out.ms;
    if (out.status === 'ok') k.ok++;
    else if (out.status === 'rejected') k.rejected++;
    else {
      k.failed++;
      summary.findings.push({
        index: v.index,
        capture: v.capture,
        kind: v.kind,
        status: out.status,
        message: out.message ?? '',
        notes: v.notes,
      });
    }
    if (out.peakRssBytes > summary.maxRssBytes)
      [summary.maxRssBytes, summary.maxRssVariant] = [out.peakRssBytes, v.index];
    if (out.ms > summary.maxVariantMs) [summary.maxVariantMs, summary.slowestVariant] = [out.ms, v.index];
    o.onVariant?.(v, out);
  };

  const lane = async (slot: number, runner: ChildRunner | null) => {
    const path = join(dir, `variant-${slot}.bin`);
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      const v = makeVariant(bases, o.seed, index, { wholeFraction: o.wholeFraction, maxWindow: o.maxWindow });
      writeFileSync(path, v.bytes);
      const job: AnalyseJob = {
        path,
        streamChunk: v.streamChunk,
        limits: v.limits,
        reassembly: v.reassembly,
        secrets: secrets.get(v.capture) ?? [],
        threads: o.threads,
      };
      record(v, runner ? await runner.run(job, o.timeLimitMs) : await inProcess(job, o.timeLimitMs));
      // Worker threads' isolates are freed, but a long-lived child's RSS keeps their high-water mark: a fresh child each time.
      if ((o.threads ?? 1) > 1) runner?.stop();
    }
  };

  try {
    if (o.workers > 0) {
      if (!o.workerScript) throw new Error('workerScript is needed with workers > 0');
      const runners = Array.from({ length: o.workers }, () => new ChildRunner(resolve(o.workerScript!)));
      await Promise.all(runners.map((r, i) => lane(i, r)));
      runners.forEach((r) => r.stop());
    } else {
      await lane(0, null);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  summary.wallMs = performance.now() - t0;
  return summary;
}

/** In this process: a variant over the time limit is a finding (it cannot be interrupted). */
async function inProcess(job: AnalyseJob, timeLimitMs: number): Promise<AnalyseOutcome> {
  const out = await analyseVariantFile(job);
  return out.ms > timeLimitMs && out.status === 'ok'
    ? { ...out, status: 'hang', message: `took ${out.ms.toFixed(0)} ms` }
    : out;
}

/** The summary as text: totals, a line per kind, then each finding with how to reproduce it. */
export function formatSummary(s: FuzzSummary): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const lines = [
    `fuzz: ${s.variants} variants, seed ${s.seed}, ${(s.wallMs / 1000).toFixed(1)} s, ${s.findings.length} finding(s), max RSS ${mib(s.maxRssBytes)} (variant ${s.maxRssVariant}), slowest variant ${s.slowestVariant} (${s.maxVariantMs.toFixed(0)} ms)`,
    `captures: ${Object.entries(s.byCapture)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}`,
    '',
    `${'kind'.padEnd(26)}${'runs'.padStart(7)}${'ok'.padStart(7)}${'refused'.padStart(9)}${'failed'.padStart(8)}${'mean ms'.padStart(9)}`,
  ];
  for (const [kind, k] of Object.entries(s.byKind).sort()) {
    lines.push(
      `${kind.padEnd(26)}${String(k.runs).padStart(7)}${String(k.ok).padStart(7)}${String(k.rejected).padStart(9)}${String(k.failed).padStart(8)}${(k.totalMs / k.runs).toFixed(0).padStart(9)}`,
    );
  }
  for (const f of s.findings) {
    lines.push(
      '',
      `${f.status}: variant ${f.index} (${f.capture}, ${f.kind}) — reproduce: npm run fuzz -- --seed ${s.seed} --only ${f.index}`,
    );
    lines.push(`  ${f.notes.join('; ')}`, ...f.message.split('\n').map((l) => `  ${l}`));
  }
  return lines.join('\n');
}
