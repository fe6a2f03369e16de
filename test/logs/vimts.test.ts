/** vimts markers: input lines → expected events, exact to the nanosecond. */
import { describe, expect, it } from 'vitest';
import { parseLogLines } from '../../src/logs/collector.js';

const UUID = 'b956784b-1e94-4804-8591-9ca1c98c8560';

describe('vimts markers', () => {
  it('a bare marker with 9 decimals: time exact to the ns, host from host=', () => {
    const p = parseLogLines([`vimts t=1795585078.469655862 id=${UUID} phase=build edge=begin host=compute1`], 'a.log');
    expect(p.events).toEqual([
      {
        host: 'compute1',
        timeNs: 1795585078469655862n,
        precision: 9,
        format: 'vimts',
        id: UUID,
        phase: 'build',
        edge: 'begin',
        file: 'a.log',
        line: 1,
      },
    ]);
    expect(p.host).toBe('compute1');
    expect(p.formats).toEqual(['vimts']);
  });

  it('6 decimals: precision 6, the missing digits are zeros (no float rounding)', () => {
    const p = parseLogLines(
      [
        'vimts t=1466503200.123456 id=x phase=spawn edge=end',
        'vimts t=9007199254.740993 id=x phase=spawn edge=begin', // beyond float64's exact integers in ns
        'vimts t=1.000000001 id=x phase=p edge=end',
      ],
      'b.log',
      'h',
    );
    expect(p.events.map((e) => [e.timeNs, e.precision])).toEqual([
      [1466503200123456000n, 6],
      [9007199254740993000n, 6],
      [1000000001n, 9],
    ]);
  });

  it('anywhere in a line, keys in any order, unknown keys ignored; no host= → the file host', () => {
    const p = parseLogLines(
      [
        'Jun 21 10:00:00 cmp nova-compute[99]: something vimts t=100.5 phase=spawn.create_image id=abc edge=end extra=1 and more',
      ],
      'c.log',
      'cmp',
    );
    expect(p.events).toEqual([
      {
        host: 'cmp',
        timeNs: 100500000000n,
        precision: 1,
        format: 'vimts',
        id: 'abc',
        phase: 'spawn.create_image',
        edge: 'end',
        file: 'c.log',
        line: 1,
      },
    ]);
  });

  it('a marker inside a JSON string stops at the quote', () => {
    const p = parseLogLines(
      [
        '{"@level":"debug","@message":"vimts t=12.000000001 id=alloc-1 phase=driver edge=begin host=n1","@timestamp":"2023-01-02T15:04:05.000000Z"}',
      ],
      'j.log',
    );
    expect(p.events.map((e) => [e.format, e.host, e.timeNs, e.id, e.phase, e.edge])).toEqual([
      ['vimts', 'n1', 12000000001n, 'alloc-1', 'driver', 'begin'],
    ]);
    expect(p.counters.byFormat).toEqual({ 'nomad-json': 1, vimts: 1 });
  });

  it('the logger name alone (nova.compute.vimts) is not a marker', () => {
    const p = parseLogLines(['2016-06-21 10:00:00.123 1 INFO nova.compute.vimts [-] starting'], 'd.log', 'h');
    expect(p.events).toEqual([]);
    expect(p.counters).toEqual({ lines: 1, used: 0, malformed: 0, unrecognised: 0, byFormat: { oslo: 1 } });
  });

  it('malformed markers are counted with a warning naming the line, never quoting it', () => {
    const secret = 'gAAAAABsecretToken';
    const lines = [
      `vimts t=12.5 id=${secret} phase=build edge=middle`,
      'vimts t=1795585078.4696558621 id=x phase=build edge=begin', // 10 decimals
      'vimts t=abc id=x phase=build edge=begin',
      'vimts t=1.5 phase=build edge=begin',
      'vimts t=1.5 id=x edge=end',
      'vimts t=',
      'vimts t=1.5 id=ok phase=build edge=end',
    ];
    const p = parseLogLines(lines, 'm.log', 'h');
    expect(p.events.map((e) => e.line)).toEqual([7]);
    expect(p.counters).toEqual({ lines: 7, used: 1, malformed: 6, unrecognised: 0, byFormat: { vimts: 7 } });
    expect(p.warnings.map((w) => w.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(p.warnings[0].message).toMatch(/edge/);
    expect(JSON.stringify(p.warnings)).not.toContain(secret);
  });

  it('CRLF line ends are dropped', () => {
    const p = parseLogLines(['vimts t=1.5 id=a phase=b edge=end host=h\r'], 'crlf.log');
    expect(p.events[0].host).toBe('h');
  });
});
