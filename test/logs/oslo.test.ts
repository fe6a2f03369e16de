/** oslo.log lines (Nova): input lines → expected events. */
import { describe, expect, it } from 'vitest';
import { parseLogLines } from '../../src/logs/collector.js';

const I = 'b956784b-1e94-4804-8591-9ca1c98c8560';
const REQ = 'req-09501eaf-cdff-42c1-9cb8-9171cce68dc2';
const CTX = `[None ${REQ} fd867398dbbb423faad82db2ec3db721 1e86136875f1495296b53da461756ba1 - - default default]`;
/** 2026-11-25 05:37:59 UTC */
const T0 = 1795585079n * 1_000_000_000n;

describe('oslo.log', () => {
  it('"Took N seconds to spawn/build": phase, duration, instance, request id, the line time as UTC', () => {
    const p = parseLogLines(
      [
        `2026-11-25 05:37:59.167 14206 INFO nova.compute.manager ${CTX} [instance: ${I}] Took 0.50 seconds to spawn the instance on the hypervisor.`,
        `2026-11-25 05:37:59.209 14206 INFO nova.compute.manager ${CTX} [instance: ${I}] Took 0.74 seconds to build instance.`,
      ],
      'nova-compute.log',
      'compute1',
    );
    expect(p.events).toEqual([
      {
        host: 'compute1',
        timeNs: T0 + 167_000_000n,
        precision: 3,
        format: 'oslo',
        phase: 'spawn',
        durationMs: 500,
        label: 'Took N seconds to spawn the instance on the hypervisor',
        id: I,
        requestId: REQ,
        file: 'nova-compute.log',
        line: 1,
      },
      {
        host: 'compute1',
        timeNs: T0 + 209_000_000n,
        precision: 3,
        format: 'oslo',
        phase: 'build',
        durationMs: 740,
        label: 'Took N seconds to build instance',
        id: I,
        requestId: REQ,
        file: 'nova-compute.log',
        line: 2,
      },
    ]);
  });

  it('a vimts marker in an oslo line: the marker time wins, the request id comes from the context', () => {
    const p = parseLogLines(
      [
        `2026-11-25 05:37:58.469 14206 INFO nova.compute.vimts ${CTX} vimts t=1795585078.469655862 id=${I} phase=build edge=begin host=compute1`,
      ],
      'n.log',
    );
    expect(p.events).toEqual([
      {
        host: 'compute1',
        timeNs: 1795585078469655862n,
        precision: 9,
        format: 'vimts',
        id: I,
        phase: 'build',
        edge: 'begin',
        requestId: REQ,
        file: 'n.log',
        line: 1,
      },
    ]);
    expect(p.counters.byFormat).toEqual({ oslo: 1, vimts: 1 });
  });

  it('context forms: global + local request id (placement), old single id, none', () => {
    const G = 'req-11111111-1111-1111-1111-111111111111';
    const L = 'req-22222222-2222-2222-2222-222222222222';
    const p = parseLogLines(
      [
        `2016-06-21 10:00:00.100 7 INFO x [${G} ${L} u p - - default default] vimts t=1.000001 id=a phase=p edge=begin`,
        `2016-06-21 10:00:00.100 7 INFO x [${L} u p - - -] vimts t=1.000002 id=a phase=p edge=end`,
        '2016-06-21 10:00:00.100 7 INFO x [-] vimts t=1.000003 id=b phase=p edge=begin',
      ],
      'ctx.log',
      'h',
    );
    expect(p.events.map((e) => [e.requestId, e.globalRequestId])).toEqual([
      [L, G],
      [L, undefined],
      [undefined, undefined],
    ]);
  });

  it('utcOffsetMinutes: a log written in UTC+02:00 is read two hours earlier', () => {
    const line = `2026-11-25 07:37:59.167 1 INFO nova.compute.manager [-] [instance: ${I}] Took 0.50 seconds to spawn the instance on the hypervisor.`;
    const p = parseLogLines([line], 'tz.log', 'h', { utcOffsetMinutes: 120 });
    expect(p.events[0].timeNs).toBe(T0 + 167_000_000n);
  });

  it('host from "Claim successful on node X" when no marker names one; tracebacks are unrecognised', () => {
    const p = parseLogLines(
      [
        `2026-11-25 05:37:58.490 14206 INFO nova.compute.claims ${CTX} [instance: ${I}] Claim successful on node compute7`,
        `2026-11-25 05:37:59.167 14206 INFO nova.compute.manager ${CTX} [instance: ${I}] Took 0.50 seconds to spawn the instance on the hypervisor.`,
        'Traceback (most recent call last):',
        '  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", line 2409, in _build_and_run_instance',
      ],
      '/var/log/nova/nova-compute.log',
    );
    expect(p.host).toBe('compute7');
    expect(p.events.map((e) => e.host)).toEqual(['compute7']);
    expect(p.counters).toEqual({ lines: 4, used: 1, malformed: 0, unrecognised: 2, byFormat: { oslo: 2 } });
  });

  it('a date out of range on a line that makes an event is malformed; other oslo lines are read and say nothing', () => {
    const p = parseLogLines(
      [
        '2026-13-25 05:37:59.167 1 INFO nova.compute.manager [-] Took 0.50 seconds to build instance.',
        '2026-02-30 05:37:59.167 1 INFO nova.compute.manager [-] hello',
        '2026-11-25 05:37:59.167 1 WARNING nova.compute.manager [-] Took a break',
      ],
      'bad.log',
      'h',
    );
    expect(p.events).toEqual([]);
    // Line 2's date is never needed (nothing timed on it), so it is not checked.
    expect(p.counters).toEqual({ lines: 3, used: 0, malformed: 1, unrecognised: 0, byFormat: { oslo: 3 } });
    expect(p.warnings.map((w) => w.line)).toEqual([1]);
  });
});
