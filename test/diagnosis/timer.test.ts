import { describe, expect, it } from 'vitest';
import { detectPeriod, diagnose } from '../../src/diagnosis/index.js';
import { MAX_TIMER_HOSTS } from '../../src/diagnosis/timer.js';
import type { VimMessage } from '../../src/dissectors/types.js';
import { MessageLog } from '../../src/dissectors/messageLog.js';
import type { RequestTimeline } from '../../src/timeline/types.js';
import { input, message, MS, request, rng } from './fixtures.js';

const CLIENT = '10.0.0.2:5000';
const SERVER = '10.0.0.1:4647';
const SEQUENCE = ['work', 'report'];

/**
 * Requests arrive at random; `work` takes 100–200 ms; the request is then reported by a
 * `Sync.Report` message sent by the client at `reportAt(readyNs)`. Unrelated reports
 * (other state changes) go out by the same rule, so the sender's stream has more sends
 * than requests, as on a real client.
 */
function scenario(seed: number, reportAt: (readyNs: number) => number, runs = 40) {
  const r = rng(seed);
  const requests: RequestTimeline[] = [];
  const messages: VimMessage[] = [];
  let t = 1000 * MS;
  for (let i = 0; i < runs; i++) {
    t += r.uniform(600, 1400) * MS;
    const work = r.uniform(100, 200);
    const ready = t + work * MS;
    const sent = reportAt(ready);
    requests.push(
      request(`req-${i}`, t, [
        ['work', work],
        ['report', (sent - ready) / MS],
      ]),
    );
    messages.push(message(sent, 'Sync.Report', CLIENT, SERVER, 0.3, { alloc: `req-${i}` }));
    // Another change of the same request later on (e.g. its completion).
    messages.push(
      message(reportAt(ready + r.uniform(200, 400) * MS), 'Sync.Report', CLIENT, SERVER, 0.3, { alloc: `req-${i}` }),
    );
  }
  return input(requests, messages, SEQUENCE);
}

/** Next tick of a free-running ticker (period, phase) after t, with 0.3 ms jitter. */
const ticker = (periodMs: number, phaseMs: number, seed: number) => {
  const r = rng(seed);
  return (t: number) => {
    const k = Math.ceil((t / MS - phaseMs) / periodMs);
    return (phaseMs + k * periodMs) * MS + Math.abs(r.normal(0, 0.3)) * MS;
  };
};

describe('timer detector', () => {
  it('a 500 ms ticker on the client: report waits for it, period 500 ± 10 ms', () => {
    const d = diagnose(scenario(1, ticker(500, 77, 2))).filter((x) => x.kind === 'timer');
    expect(d).toHaveLength(1);
    expect(d[0].phase).toBe('report');
    expect(d[0].host).toBe('10.0.0.2');
    expect(Math.abs(d[0].periodMs! - 500)).toBeLessThan(10);
    const ev = d[0].evidence as {
      waits: { meanOverPeriod: number; ksP: number };
      grid: { onGridFraction: number; messages: number };
    };
    expect(ev.grid.messages).toBe(80);
    expect(ev.grid.onGridFraction).toBe(1);
    expect(ev.waits.meanOverPeriod).toBeGreaterThan(0.3);
    expect(ev.waits.meanOverPeriod).toBeLessThan(0.7);
    expect(d[0].text).toMatch(/^report waits for a ~50\d\.\d ms timer on 10\.0\.0\.2/);
  });

  it('a 200 ms ticker: period 200 ± 5 ms; the message name plays no part', () => {
    const inp = scenario(3, ticker(200, 13, 4));
    inp.messages = MessageLog.from(Array.from(inp.messages, (m) => ({ ...m, name: 'Anything.AtAll' })));
    const d = diagnose(inp).filter((x) => x.kind === 'timer');
    expect(d).toHaveLength(1);
    expect(Math.abs(d[0].periodMs! - 200)).toBeLessThan(5);
  });

  it('reports sent at random times: no timer', () => {
    for (let seed = 10; seed < 20; seed++) {
      const r = rng(seed + 100);
      const d = diagnose(scenario(seed, (t) => t + r.uniform(0, 300) * MS)).filter((x) => x.kind === 'timer');
      expect(d, `seed ${seed}`).toEqual([]);
    }
  });

  it('reports sent at once (tuned client): no timer', () => {
    const d = diagnose(scenario(5, (t) => t + 0.8 * MS)).filter((x) => x.kind === 'timer');
    expect(d).toEqual([]);
  });

  it('sends on a grid, but the phase does not wait for it (starts just before each tick): no timer for the phase', () => {
    // The work ends 1–3 ms before a tick every time: the waits are short, not uniform on [0, P].
    const tick = ticker(200, 0, 6);
    const r = rng(7);
    const inp = scenario(8, (t) => tick(t));
    for (const req of inp.requests) {
      const ready = req.phases.report.startNs;
      const sent = tick(ready);
      const start = sent - r.uniform(1, 3) * MS;
      req.phases.report = { ...req.phases.report, startNs: start, ms: (sent - start) / MS };
    }
    // The grid itself is there…
    expect(detectPeriod(Array.from(inp.messages, (m) => m.t)).accepted).toBe(true);
    // …but it explains nothing about this phase.
    expect(diagnose(inp).filter((x) => x.kind === 'timer')).toEqual([]);
  });

  it('two compute hosts, each with its own ticker (200 and 500 ms): one timer per host', () => {
    const a = scenario(20, ticker(200, 5, 21));
    const b = scenario(22, ticker(500, 60, 23));
    const bMessages = Array.from(b.messages, (m) => ({ ...m, src: '10.0.0.9:5000' }));
    for (const r of b.requests) r.id = `b-${r.id}`;
    const d = diagnose(input([...a.requests, ...b.requests], [...a.messages, ...bMessages], SEQUENCE)).filter(
      (x) => x.kind === 'timer',
    );
    expect(d.map((x) => [x.host, Math.round(x.periodMs!)]).sort()).toEqual([
      ['10.0.0.2', 200],
      ['10.0.0.9', 500],
    ]);
  });

  it(`${MAX_TIMER_HOSTS + 5} compute hosts with the same ticker: grids fitted for ${MAX_TIMER_HOSTS}, each statement says how many send`, () => {
    const hosts = MAX_TIMER_HOSTS + 5;
    const requests: RequestTimeline[] = [];
    const messages: VimMessage[] = [];
    for (let h = 0; h < hosts; h++) {
      // Host h ends fewer requests the larger h is: the busiest hosts are the ones fitted.
      const s = scenario(100 + h, ticker(200, 7 * h, 200 + h), 40 - h);
      for (const r of s.requests) r.id = `h${h}-${r.id}`;
      requests.push(...s.requests);
      messages.push(
        ...Array.from(s.messages, (m) => ({ ...m, src: `10.0.${h}.2:5000`, ids: { alloc: `h${h}-${m.ids.alloc}` } })),
      );
    }
    const d = diagnose(input(requests, messages, SEQUENCE)).filter((x) => x.kind === 'timer');
    expect(d.length).toBeGreaterThan(MAX_TIMER_HOSTS / 2);
    expect(d.length).toBeLessThanOrEqual(MAX_TIMER_HOSTS);
    const fitted = new Set(d.map((x) => x.host));
    for (let h = MAX_TIMER_HOSTS; h < hosts; h++) expect(fitted.has(`10.0.${h}.2`)).toBe(false);
    for (const x of d) expect((x.evidence as { hostsSending: number }).hostsSending).toBe(hosts);
  });
});
