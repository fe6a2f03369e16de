/** The study's whr stdout prints: lines → events, and events → build blocks. */
import { describe, expect, it } from 'vitest';
import { parseLogLines } from '../../src/logs/collector.js';
import { groupWhrBlocks } from '../../src/logs/whrBlocks.js';

const S = 1_000_000_000n;

/** One build's 23 prints (as the seed's patch writes them), times in seconds. */
function build(o: {
  start: string;
  spawnStart: string;
  spawnStart2: string;
  createImg: string;
  xml: string;
  boot: string;
  total: string;
  spawnEnd2: string;
  spawnEnd: string;
  end: string;
  claim?: string;
  buildRes?: string;
}): string[] {
  return [
    `whr [buid_and_run_instance] ### START ### ${o.start} `,
    'whr [buid_and_run_instance] init 0.000074 ',
    'whr [buid_and_run_instance]  prima del claim',
    `whr [buid_and_run_instance] claim  ${o.claim ?? '0.118789'} `,
    `whr [buid_and_run_instance] build res ${o.buildRes ?? '0.069293'} `,
    'whr [buid_and_run_instance] spawning instance',
    `whr [buid_and_run_instance] ### Spawn start ### ${o.spawnStart} `,
    'whr [buid_and_run_instance] instance save 0.000225 ',
    `whr [spawn] ### START ## ${o.spawnStart2}`,
    'whr [spawn] injection info  0.000107',
    'whr [spawn] gen_confdrive  0.000099',
    `whr [spawn] ==> create img ${o.createImg}`,
    'whr [spawn] console log  0.000608',
    `whr [spawn] ==> get guest xml  ${o.xml}`,
    'whr [spawn] domain and network  0.148120',
    `whr [spawn] wait for boot  ${o.boot}`,
    `whr [spawn]  ${o.total}`,
    `whr [spawn] ==> libvirt spawn  ${o.boot}`,
    `whr [spawn] ### END ## ${o.spawnEnd2}`,
    `whr [buid_and_run_instance] spawing on the hypervisor ${o.total}`,
    `whr [buid_and_run_instance] ### Spawn end ### ${o.spawnEnd} `,
    `whr [buid_and_run_instance] ==> Spawn time ### ${o.total} `,
    `whr [buid_and_run_instance] ## end ##  ${o.end} `,
  ];
}

const FIRST = build({
  start: '1795585078.469656',
  spawnStart: '1795585078.667637',
  spawnStart2: '1795585078.67',
  createImg: '0.293798',
  xml: '0.039989',
  boot: '0.164577',
  total: '0.499569',
  spawnEnd2: '1795585079.17',
  spawnEnd: '1795585079.167206',
  end: '1795585079.208692',
});

describe('whr lines', () => {
  it('absolute lines at their precision, durations in ms, notes say nothing; labels as printed', () => {
    const p = parseLogLines(FIRST, 'stdout.log', 'compute1');
    expect(p.counters).toEqual({ lines: 23, used: 21, malformed: 0, unrecognised: 0, byFormat: { whr: 23 } });
    const absolute = p.events.filter((e) => e.durationMs === undefined);
    expect(absolute.map((e) => [e.label, e.phase, e.edge, e.timeNs, e.precision])).toEqual([
      ['[buid_and_run_instance] ### START ###', 'build', 'begin', 1795585078469656000n, 6],
      ['[buid_and_run_instance] ### Spawn start ###', 'spawn', 'begin', 1795585078667637000n, 6],
      ['[spawn] ### START ##', 'spawn', 'begin', 1795585078670000000n, 2],
      ['[spawn] ### END ##', 'spawn', 'end', 1795585079170000000n, 2],
      ['[buid_and_run_instance] ### Spawn end ###', 'spawn', 'end', 1795585079167206000n, 6],
      ['[buid_and_run_instance] ## end ##', 'build', 'end', 1795585079208692000n, 6],
    ]);
    const key = Object.fromEntries(
      p.events.filter((e) => e.durationMs !== undefined).map((e) => [e.phase, e.durationMs]),
    );
    expect(key).toMatchObject({
      'spawn.create_image': 293.798,
      'spawn.generate_xml': 39.989,
      'spawn.libvirt_spawn': 164.577,
      spawn: 499.569,
    });
    // A duration line is stamped with the last µs absolute time before it: the earliest it can have been printed.
    const createImg = p.events.find((e) => e.phase === 'spawn.create_image')!;
    expect([createImg.timeNs, createImg.precision, createImg.line]).toEqual([1795585078667637000n, 6, 12]);
    expect(p.events.every((e) => e.format === 'whr' && e.id === undefined)).toBe(true);
  });

  it('an unknown whr print is read and says nothing; a bad absolute time is malformed', () => {
    const p = parseLogLines(
      [
        'whr [buid_and_run_instance] something new 0.5',
        'whr [buid_and_run_instance] ### START ### 1795585078.4696561234',
        'whr [spawn] ==> create img 0.3',
      ],
      's.log',
      'h',
    );
    expect(p.counters).toEqual({ lines: 3, used: 1, malformed: 1, unrecognised: 0, byFormat: { whr: 3 } });
    expect(p.events[0]).toMatchObject({ phase: 'spawn.create_image', durationMs: 300, precision: -1, timeNs: 0n });
  });
});

describe('groupWhrBlocks', () => {
  it('one build → one complete block with its times and durations', () => {
    const [b] = groupWhrBlocks(parseLogLines(FIRST, 's.log', 'compute1').events);
    expect(b).toMatchObject({
      index: 0,
      host: 'compute1',
      complete: true,
      ambiguous: false,
      candidates: [],
      buildBeginNs: 1795585078469656000n,
      buildEndNs: 1795585079208692000n,
      spawnBeginNs: 1795585078667637000n,
      spawnEndNs: 1795585079167206000n,
    });
    expect(b.events).toHaveLength(21);
    expect(b.durationsMs).toMatchObject({
      'spawn.create_image': 293.798,
      'spawn.generate_xml': 39.989,
      'spawn.libvirt_spawn': 164.577,
      spawn: 499.569,
      'build.claim': 118.789,
    });
  });

  it('two overlapping spawns where the first to start ends last: the times pick the right build for every line', () => {
    // A: spawn 10.000000 → 10.600000 (create img 0.45); B: spawn 10.100000 → 10.500000 (create img 0.20).
    const A = build({
      start: '9.000000',
      spawnStart: '10.000000',
      spawnStart2: '10.0',
      createImg: '0.450000',
      xml: '0.040000',
      boot: '0.100000',
      total: '0.600000',
      spawnEnd2: '10.6',
      spawnEnd: '10.600000',
      end: '10.650000',
      claim: '0.5',
      buildRes: '0.3',
    });
    const B = build({
      start: '9.050000',
      spawnStart: '10.100000',
      spawnStart2: '10.1',
      createImg: '0.200000',
      xml: '0.040000',
      boot: '0.150000',
      total: '0.400000',
      spawnEnd2: '10.5',
      spawnEnd: '10.500000',
      end: '10.550000',
      claim: '0.6',
      buildRes: '0.35',
    });
    // Print order by time: A[0..11) (to spawn gen_confdrive), B[0..3) interleaved earlier, …
    const lines = [
      ...A.slice(0, 3),
      ...B.slice(0, 3), // both started, waiting on the claim
      ...A.slice(3, 11), // A claims, builds, starts spawn (10.0)
      ...B.slice(3, 11), // B claims, starts spawn (10.1)
      ...B.slice(11, 14), // B's image (10.3) and xml (10.34) first
      ...A.slice(11, 14), // A's image (10.45), xml (10.49)
      ...B.slice(14), // B boots and ends (10.5)
      ...A.slice(14), // A ends (10.6)
    ];
    const blocks = groupWhrBlocks(parseLogLines(lines, 's.log', 'h').events);
    expect(
      blocks.map((b) => [
        b.buildBeginNs,
        b.spawnBeginNs,
        b.spawnEndNs,
        b.buildEndNs,
        b.durationsMs['spawn.create_image'],
        b.durationsMs.spawn,
      ]),
    ).toEqual([
      [9n * S, 10n * S, 10_600_000_000n, 10_650_000_000n, 450, 600],
      [9_050_000_000n, 10_100_000_000n, 10_500_000_000n, 10_550_000_000n, 200, 400],
    ]);
    expect(blocks.every((b) => b.complete)).toBe(true);
    // Which build claimed first cannot be told from the prints (no time near the claims): flagged.
    expect(blocks.map((b) => [b.ambiguous, b.candidates])).toEqual([
      [true, [1]],
      [true, [0]],
    ]);
    expect(blocks[0].ambiguousLines).toEqual(blocks[1].ambiguousLines);
  });

  it('lines of a build already running when the file began make an incomplete block', () => {
    const blocks = groupWhrBlocks(parseLogLines([...FIRST.slice(11), ...FIRST], 's.log', 'h').events);
    expect(blocks.map((b) => [b.complete, b.buildBeginNs === undefined, b.events.length])).toEqual([
      [false, true, 12],
      [true, false, 21],
    ]);
  });

  it('ignores other formats and groups each file apart', () => {
    const a = parseLogLines(FIRST, 'a.log', 'h').events;
    const b = parseLogLines(['vimts t=1.5 id=x phase=build edge=begin', ...FIRST], 'b.log', 'h').events;
    expect(groupWhrBlocks([...a, ...b]).map((x) => [x.index, x.file, x.events.length])).toEqual([
      [0, 'a.log', 21],
      [1, 'b.log', 21],
    ]);
  });
});
