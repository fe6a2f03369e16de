/** Nomad client logs: Go `log` with the 2016 patch lines, hclog text, hclog JSON. */
import { describe, expect, it } from 'vitest';
import { parseLogLines } from '../../src/logs/collector.js';
import { goDurationToMs } from '../../src/logs/time.js';

/** 2026/11/24 22:45:55 UTC */
const T = 1795560355n * 1_000_000_000n;

describe('Go durations', () => {
  it.each([
    ['51.527µs', 0.051527],
    ['20.05μs', 0.02005],
    ['350us', 0.35],
    ['350ns', 0.00035],
    ['1.021182ms', 1.021182],
    ['40.123ms', 40.123],
    ['1.2s', 1200],
    ['1m2.5s', 62500],
    ['2h0m0s', 7_200_000],
    ['0s', 0],
  ])('%s → %f ms', (text, ms) => expect(goDurationToMs(text)).toBeCloseTo(ms, 9));
  it.each(['', 'ms', '1.2', '1.2 s', 'abc'])('%j is not a duration', (text) =>
    expect(goDurationToMs(text)).toBeUndefined(),
  );
});

describe('Go log lines (2016 patch)', () => {
  it('each patch line → its driver sub-phase and duration, at the line time (µs, UTC)', () => {
    const p = parseLogLines(
      [
        '2026/11/24 22:45:55.247626 [INFO] loaded new XenDriverConfig in:51.527µs',
        '2026/11/24 22:45:55.248675 [INFO] Allocated new TaskDir in:1.021182ms',
        '2026/11/24 22:45:55.286030 [INFO] Downloaded XenArtifacts (cfg and image) in:37.328886ms',
        '2026/11/24 22:45:55.309082 [INFO] Init Completed in:23.039065ms. Starting new XenVM clickos_x86_64 using clickos.cfg',
        '2026/11/24 22:45:55.415367 [INFO] Started new xenVM clickos_x86_64 using cfg clickos.cfg in:106.240535ms',
        '2026/11/24 22:45:55.437642 [INFO] Cleaned xl executor in:22.220384ms',
        '2026/11/24 22:45:55.437642 [INFO] Copied XenArtifacts (cfg and image) from local disk in:1.2s',
      ],
      'nomad-client.log',
      'compute',
    );
    expect(p.events.map((e) => [e.phase, e.durationMs, e.timeNs - T, e.precision])).toEqual([
      ['driver.load_config', 0.051527, 247_626_000n, 6],
      ['driver.alloc_taskdir', 1.021182, 248_675_000n, 6],
      ['driver.download_artifact', 37.328886, 286_030_000n, 6],
      ['driver.init_env', 23.039065, 309_082_000n, 6],
      ['driver.spawn', 106.240535, 415_367_000n, 6],
      ['driver.clean', 22.220384, 437_642_000n, 6],
      ['driver.download_artifact', 1200, 437_642_000n, 6],
    ]);
    expect(p.events[2]).toMatchObject({
      format: 'nomad-go',
      host: 'compute',
      label: 'Downloaded XenArtifacts (cfg and image)',
      file: 'nomad-client.log',
      line: 3,
    });
  });

  it('second-resolution 2016 lines (precision 0); lines without a level; markers inside', () => {
    const p = parseLogLines(
      [
        '2016/06/21 10:00:00 [INFO] Cleaned xl executor in:20ms',
        '2016/06/21 10:00:01 Cleaned xl executor in:21ms',
        '2016/06/21 10:00:02.000001 [DEBUG] driver.xen: vimts t=1466503202.000001234 id=a1 phase=driver edge=end host=compute',
      ],
      'go.log',
      'h',
    );
    expect(p.events.map((e) => [e.format, e.precision, e.durationMs ?? e.edge])).toEqual([
      ['nomad-go', 0, 20],
      ['nomad-go', 0, 21],
      ['vimts', 9, 'end'],
    ]);
    expect(p.events[0].timeNs).toBe(1466503200n * 1_000_000_000n);
  });

  it('a patch line without a Go duration is malformed; other lines are read quietly', () => {
    const p = parseLogLines(
      [
        '2016/06/21 10:00:00 [INFO] Cleaned xl executor in:soon',
        '2016/06/21 10:00:00 [DEBUG] client: updated allocations at index 14 (total 1) (pulled 1) (filtered 0)',
        '2016/13/21 10:00:00 [INFO] Cleaned xl executor in:20ms',
      ],
      'go.log',
      'h',
    );
    expect(p.events).toEqual([]);
    expect(p.counters).toEqual({ lines: 3, used: 0, malformed: 2, unrecognised: 0, byFormat: { 'nomad-go': 3 } });
  });
});

describe('hclog text', () => {
  const A = '2b6b6d1e-8c8f-4c3e-a0a6-1f4a2c7f9e10';
  it('task events → task-event:<Type> with alloc, task and message; zones Z and ±hhmm', () => {
    const p = parseLogLines(
      [
        `2023-01-02T15:04:05.123Z [INFO]  client.alloc_runner.task_runner: Task event: alloc_id=${A} task=redis type=Received msg="Task received by client" failed=false`,
        `2023-01-02T16:04:05.124+0100 [INFO]  client.alloc_runner.task_runner: Task event: alloc_id=${A} task=redis type="Task Setup" msg="Building Task Directory" failed=false`,
        `2023-01-02T15:04:05.125456 [INFO]  client.alloc_runner.task_runner: Task event: alloc_id=${A} task=redis type=Started msg="Task started by client" failed=false`,
        '2023-01-02T15:04:05.200Z [INFO]  client: node registration complete',
      ],
      'nomad.log',
      'n1',
    );
    const base = 1672671845n * 1_000_000_000n;
    expect(p.events).toEqual([
      {
        host: 'n1',
        timeNs: base + 123_000_000n,
        precision: 3,
        format: 'nomad-hclog',
        phase: 'task-event:Received',
        id: A,
        task: 'redis',
        label: 'Task received by client',
        file: 'nomad.log',
        line: 1,
      },
      {
        host: 'n1',
        timeNs: base + 124_000_000n,
        precision: 3,
        format: 'nomad-hclog',
        phase: 'task-event:Task Setup',
        id: A,
        task: 'redis',
        label: 'Building Task Directory',
        file: 'nomad.log',
        line: 2,
      },
      {
        host: 'n1',
        timeNs: base + 125_456_000n,
        precision: 6,
        format: 'nomad-hclog',
        phase: 'task-event:Started',
        id: A,
        task: 'redis',
        label: 'Task started by client',
        file: 'nomad.log',
        line: 3,
      },
    ]);
    expect(p.counters).toEqual({ lines: 4, used: 3, malformed: 0, unrecognised: 0, byFormat: { 'nomad-hclog': 4 } });
  });

  it('a task event without a type is malformed', () => {
    const p = parseLogLines([`2023-01-02T15:04:05.123Z [INFO]  x: Task event: alloc_id=${A} msg="?"`], 'n.log', 'h');
    expect(p.counters.malformed).toBe(1);
  });
});

describe('hclog JSON', () => {
  it('task events, `__proto__` keys read as plain data, broken JSON counted', () => {
    const p = parseLogLines(
      [
        '{"@level":"info","@message":"Task event","@module":"client.alloc_runner.task_runner","@timestamp":"2023-01-02T15:04:05.123456Z","alloc_id":"a1","failed":false,"msg":"Task started by client","task":"redis","type":"Started"}',
        '{"@level":"info","@message":"Task event","@timestamp":"2023-01-02T15:04:05.200000Z","alloc_id":"a1","__proto__":{"type":"Killed","polluted":true}}',
        '{"@level":"info","@message":"Task event","@timestamp":"2023-01-02T15:04:05.300000+00:00","alloc_id":"a1","type":"__proto__"}',
        '{"@level":"info","@message":"Task event","@timestamp":"2023-01-02T15:04:05.3',
        '{"@timestamp":"yesterday","@message":"Task event","type":"Started"}',
        '{"not":"a nomad log"}',
      ],
      'nomad.json',
      'h',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(p.events.map((e) => [e.line, e.phase, e.id, e.task, e.timeNs % 1_000_000_000n, e.precision])).toEqual([
      [1, 'task-event:Started', 'a1', 'redis', 123_456_000n, 6],
      [3, 'task-event:__proto__', 'a1', undefined, 300_000_000n, 6],
    ]);
    expect(p.counters).toEqual({ lines: 6, used: 2, malformed: 3, unrecognised: 1, byFormat: { 'nomad-json': 5 } });
    expect(p.warnings.map((w) => w.line)).toEqual([2, 4, 5]);
  });
});
