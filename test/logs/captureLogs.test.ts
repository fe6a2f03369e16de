/**
 * The logs stage on the shared captures' compute-host logs. Every expectation is recomputed here
 * from the files with plain regexes and floats (not our parsers), or read from runs.tsv.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { groupWhrBlocks } from '../../src/logs/whrBlocks.js';
import { readLog } from '../../src/logs/readLog.js';
import type { LogEvent, ParsedLog } from '../../src/logs/types.js';
import { runsOf, sharedCaptures } from '../helpers/groundTruth.js';

const CAPTURES = ['nova-seq', 'nova-burst', 'nomad-2016-stock', 'nomad-2016-tuned', 'nomad-modern'];
const MARKER_LINE = /vimts t=(\d+\.\d+) id=(\S+) phase=(\S+) edge=(begin|end)/;

const logsOf = (capture: string): string[] =>
  readdirSync(resolve(sharedCaptures, capture, 'logs'))
    .filter((f) => f.endsWith('.log'))
    .map((f) => resolve(sharedCaptures, capture, 'logs', f));

/** Independent reading: marker lines by regex, times as float seconds. */
function markersByRegex(path: string): { id: string; phase: string; edge: string; t: number }[] {
  const out: { id: string; phase: string; edge: string; t: number }[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = MARKER_LINE.exec(line);
    if (m) out.push({ t: Number(m[1]), id: m[2], phase: m[3], edge: m[4] });
  }
  return out;
}

/** Mean sub-phase duration (ms) per phase from begin/end pairs by id. */
function meansFromPairs(rows: { id: string; phase: string; edge: string; ms: number }[]): Map<string, number> {
  const begin = new Map<string, number>();
  const sums = new Map<string, { sum: number; n: number }>();
  for (const r of rows) {
    const key = `${r.id} ${r.phase}`;
    if (r.edge === 'begin') begin.set(key, r.ms);
    else {
      const s = sums.get(r.phase) ?? { sum: 0, n: 0 };
      s.sum += r.ms - begin.get(key)!;
      s.n++;
      sums.set(r.phase, s);
    }
  }
  return new Map([...sums].map(([p, s]) => [p, s.sum / s.n]));
}

const markers = (p: ParsedLog): LogEvent[] => p.events.filter((e) => e.format === 'vimts');

describe.each(CAPTURES)('%s logs', (capture) => {
  it.each(logsOf(capture).map((f) => [f.split('/').pop()!, f]))(
    '%s: every marker line parsed, each begin has its end, sub-phase means agree',
    async (_name, path) => {
      const parsed = await readLog(path);
      const expected = markersByRegex(path);
      const got = markers(parsed);
      expect(got.length).toBe(expected.length);
      expect(parsed.counters.malformed).toBe(0);
      if (expected.length === 0) return;

      const open = new Map<string, bigint>();
      const pairs = new Map<string, number>();
      for (const e of got) {
        const key = `${e.id} ${e.phase}`;
        if (e.edge === 'begin') {
          expect(open.has(key)).toBe(false);
          open.set(key, e.timeNs);
        } else {
          const b = open.get(key);
          expect(b, `end without begin: ${key}`).toBeDefined();
          expect(e.timeNs).toBeGreaterThanOrEqual(b!);
          open.delete(key);
          pairs.set(e.phase!, (pairs.get(e.phase!) ?? 0) + 1);
        }
      }
      expect([...open.keys()]).toEqual([]);

      const ours = meansFromPairs(
        got
          .map((e) => ({ id: e.id!, phase: e.phase!, edge: e.edge!, ms: 0 }))
          .map((r, i) => ({ ...r, ms: Number(got[i].timeNs - got[0].timeNs) / 1e6 })),
      );
      const theirs = meansFromPairs(expected.map((r) => ({ ...r, ms: (r.t - expected[0].t) * 1e3 })));
      expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
      for (const [phase, mean] of theirs) expect(Math.abs(ours.get(phase)! - mean), phase).toBeLessThan(0.1);
    },
  );
});

describe('compute-host identity and request ids', () => {
  it.each([
    ['nova-seq', 'nova-compute.log', 'compute1'],
    ['nova-burst', 'nova-compute.log', 'compute1'],
    ['nomad-2016-stock', 'nomad-client.log', 'compute'],
    ['nomad-modern', 'nomad-client.log', 'compute'],
  ])('%s %s: host %s from the markers; marker ids are the runs’ instances / allocs', async (capture, file, host) => {
    const parsed = await readLog(resolve(sharedCaptures, capture, 'logs', file));
    expect(parsed.host).toBe(host);
    expect(new Set(parsed.events.map((e) => e.host))).toEqual(new Set([host]));
    const runs = runsOf(capture);
    const idColumn = capture.startsWith('nova') ? 'server_id' : 'alloc_id';
    const ids = new Set(markers(parsed).map((e) => e.id));
    expect(ids).toEqual(new Set(runs.map((r) => r[idColumn])));
    if (capture.startsWith('nova')) {
      // The build's oslo.log context carries the API request id the load generator saw.
      const requestOf = new Map(runs.map((r) => [r.server_id, r.request_id]));
      for (const e of markers(parsed)) expect(e.requestId).toBe(requestOf.get(e.id!));
    }
  });
});

describe('Nova own timing lines', () => {
  it.each(['nova-seq', 'nova-burst'])(
    '%s: one "Took … to spawn/build" per run, agreeing with the markers to their 2 decimals',
    async (capture) => {
      const path = resolve(sharedCaptures, capture, 'logs', 'nova-compute.log');
      const text = readFileSync(path, 'utf8');
      const parsed = await readLog(path);
      for (const [phase, re] of [
        ['spawn', /Took ([\d.]+) seconds to spawn the instance/],
        ['build', /Took ([\d.]+) seconds to build instance/],
      ] as const) {
        const lines = text.split('\n').filter((l) => re.test(l));
        const took = parsed.events.filter((e) => e.format === 'oslo' && e.phase === phase);
        expect(took.length).toBe(lines.length);
        expect(took.length).toBe(runsOf(capture).length);
        expect(took.map((e) => e.durationMs)).toEqual(lines.map((l) => Number(re.exec(l)![1]) * 1000));
        const begin = new Map(
          markers(parsed)
            .filter((e) => e.phase === phase && e.edge === 'begin')
            .map((e) => [e.id, e.timeNs]),
        );
        const end = new Map(
          markers(parsed)
            .filter((e) => e.phase === phase && e.edge === 'end')
            .map((e) => [e.id, e.timeNs]),
        );
        for (const e of took) {
          const markerMs = Number(end.get(e.id)! - begin.get(e.id)!) / 1e6;
          expect(Math.abs(e.durationMs! - markerMs)).toBeLessThan(10 + 0.5); // rounded to 0.01 s, measured a few ms apart
        }
      }
    },
  );
});

describe('Nomad 2016 patch lines', () => {
  it.each([
    ['nomad-2016-stock', 'Downloaded XenArtifacts'],
    ['nomad-2016-tuned', 'Copied XenArtifacts'],
    ['nomad-modern', 'Downloaded XenArtifacts'],
  ])(
    '%s: each driver sub-phase duration equals its marker pair (same run, by order)',
    async (capture, artifactLine) => {
      const path = resolve(sharedCaptures, capture, 'logs', 'nomad-client.log');
      const parsed = await readLog(path);
      const runs = runsOf(capture).length;
      const text = readFileSync(path, 'utf8');
      expect(text.split('\n').filter((l) => l.includes(artifactLine)).length).toBe(runs);
      const pairs = new Map<string, number[]>();
      const begin = new Map<string, bigint>();
      for (const e of markers(parsed)) {
        const key = `${e.id} ${e.phase}`;
        if (e.edge === 'begin') begin.set(key, e.timeNs);
        else pairs.set(e.phase!, [...(pairs.get(e.phase!) ?? []), Number(e.timeNs - begin.get(key)!) / 1e6]);
      }
      for (const phase of ['driver.download_artifact', 'driver.init_env', 'driver.spawn', 'driver.clean']) {
        const lines = parsed.events.filter((e) => e.format === 'nomad-go' && e.phase === phase);
        expect(lines.length, phase).toBe(runs);
        const fromMarkers = pairs.get(phase)!;
        lines.forEach((e, i) =>
          expect(Math.abs(e.durationMs! - fromMarkers[i]), `${phase} run ${i + 1}`).toBeLessThan(0.01),
        );
      }
    },
  );
});

describe('whr stdout (seed format)', () => {
  it('nova-seq: 30 builds; create img / guest xml / libvirt spawn match runs.tsv by order within 2 ms', async () => {
    const parsed = await readLog(resolve(sharedCaptures, 'nova-seq/logs/nova-compute-stdout.log'));
    const blocks = groupWhrBlocks(parsed.events);
    const runs = runsOf('nova-seq');
    expect(blocks.length).toBe(30);
    expect(blocks.every((b) => b.complete && !b.ambiguous)).toBe(true);
    const diffs: number[] = [];
    blocks.forEach((b, i) => {
      for (const [phase, column] of [
        ['spawn.create_image', 'true_create_image_ms'],
        ['spawn.generate_xml', 'true_generate_xml_ms'],
        ['spawn.libvirt_spawn', 'true_libvirt_spawn_ms'],
        ['spawn', 'true_spawn_ms'],
      ]) {
        const d = b.durationsMs[phase] - Number(runs[i][column]);
        diffs.push(Math.abs(d));
        expect(Math.abs(d), `run ${i + 1} ${phase}`).toBeLessThan(2);
      }
    });
    console.log(`nova-seq whr vs runs.tsv: max |diff| ${Math.max(...diffs).toFixed(3)} ms`);
  });

  it('nova-burst: 12 builds; each is the instance whose build-begin marker it starts at, with that instance’s spawn times', async () => {
    const whr = await readLog(resolve(sharedCaptures, 'nova-burst/logs/nova-compute-stdout.log'));
    const nova = await readLog(resolve(sharedCaptures, 'nova-burst/logs/nova-compute.log'));
    const blocks = groupWhrBlocks(whr.events);
    expect(blocks.length).toBe(12);
    expect(blocks.every((b) => b.complete)).toBe(true);
    const marker = new Map<string, bigint>();
    for (const e of markers(nova)) marker.set(`${e.id} ${e.phase} ${e.edge}`, e.timeNs);
    const ids = [...new Set(markers(nova).map((e) => e.id!))];
    const near = (a: bigint | undefined, b: bigint | undefined): boolean =>
      a !== undefined && b !== undefined && (a > b ? a - b : b - a) <= 1000n;
    const matched = new Set<string>();
    for (const b of blocks) {
      const id = ids.find((x) => near(marker.get(`${x} build begin`), b.buildBeginNs))!;
      expect(id, `block ${b.index}`).toBeDefined();
      matched.add(id);
      expect(near(marker.get(`${id} spawn begin`), b.spawnBeginNs)).toBe(true);
      expect(near(marker.get(`${id} spawn end`), b.spawnEndNs)).toBe(true);
      expect(near(marker.get(`${id} build end`), b.buildEndNs)).toBe(true);
      const ms = (p: string): number => Number(marker.get(`${id} ${p} end`)! - marker.get(`${id} ${p} begin`)!) / 1e6;
      for (const p of ['spawn.create_image', 'spawn.generate_xml', 'spawn.libvirt_spawn']) {
        expect(Math.abs(b.durationsMs[p] - ms(p)), `block ${b.index} ${p}`).toBeLessThan(2);
      }
      // Ambiguity, when flagged, is about which build printed a line; the candidates are real blocks.
      for (const c of b.candidates) expect(blocks[c].ambiguous).toBe(true);
    }
    expect(matched.size).toBe(12);
    console.log(`nova-burst whr: ${blocks.filter((b) => b.ambiguous).length}/12 blocks with an ambiguous line`);
  });
});

describe('gzip by content', () => {
  it('a gzipped copy (any name) gives the same events and counters as the plain file', async () => {
    const plainPath = resolve(sharedCaptures, 'nova-seq/logs/nova-compute.log');
    const dir = mkdtempSync(join(tmpdir(), 'vimlogs-'));
    const gzPath = join(dir, 'compute-log-no-extension');
    writeFileSync(gzPath, gzipSync(readFileSync(plainPath)));
    const plain = await readLog(plainPath);
    const gz = await readLog(`compute1=${gzPath}`);
    expect(gz.counters).toEqual(plain.counters);
    expect(gz.events.map(({ file: _f, ...rest }) => rest)).toEqual(plain.events.map(({ file: _f, ...rest }) => rest));
  });
});
