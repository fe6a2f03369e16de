/** Pairing a call's caller leg with its proxy → backend leg: what pairs, what does not, what is held. */
import { describe, expect, it } from 'vitest';
import type { Header, HttpExchange } from '../../../src/protocols/types.js';
import { ProxyLegPairer, type ProxyHop } from '../../../src/protocols/http/proxyLegs.js';

const MS = 1e6;
let nextConn = 0;

/** An exchange from `client` to `server` (ip:port), request first byte at `first` ms, response last byte at `last` ms. */
function ex(
  client: string,
  server: string,
  first: number,
  last: number,
  headers: Header[] = [],
  method = 'GET',
  target = '/v2.1/servers/x',
): HttpExchange {
  const [cip, cport] = client.split(':'),
    [sip, sport] = server.split(':');
  const body = new Uint8Array(0);
  return {
    conn: {
      id: nextConn++,
      client: { ip: cip, port: Number(cport) },
      server: { ip: sip, port: Number(sport) },
      sawSyn: true,
      startTs: 0,
    },
    request: {
      method,
      target,
      version: 'HTTP/1.1',
      headers,
      body,
      bodyTruncated: false,
      bodyLength: 0,
      firstByte: first * MS,
      lastByte: first * MS,
    },
    response: {
      status: 200,
      reason: 'OK',
      version: 'HTTP/1.1',
      headers: [],
      body,
      bodyTruncated: false,
      bodyLength: 0,
      firstByte: last * MS,
      lastByte: last * MS,
    },
  };
}

function pairer() {
  const callers: [HttpExchange, ProxyHop | null][] = [];
  const backends: [HttpExchange, ProxyHop | null][] = [];
  const p = new ProxyLegPairer({ caller: (e, h) => callers.push([e, h]), backend: (e, h) => backends.push([e, h]) });
  return { p, callers, backends };
}

const xff = (ip: string): Header[] => [['X-Forwarded-For', ip]];

describe('ProxyLegPairer', () => {
  it('pairs the backend leg (X-Forwarded-For = caller, nested in time) with its caller leg, with the proxy time', () => {
    const { p, callers, backends } = pairer();
    p.exchange(ex('10.0.0.1:5000', '10.0.0.2:8774', 10.5, 19, xff('10.0.0.9')));
    expect(callers).toEqual([]);
    p.exchange(ex('10.0.0.9:4000', '10.0.0.10:8774', 10, 20));
    expect(callers).toHaveLength(1);
    expect(callers[0][1]).toEqual({ proxy: '10.0.0.10:8774', backend: '10.0.0.2:8774', proxyMs: 10 - 8.5 });
    expect(backends.map(([, h]) => h?.backend)).toEqual(['10.0.0.2:8774']);
    expect(p.counters).toMatchObject({ paired: 1, backendAlone: 0 });
  });

  it('the last X-Forwarded-For entry is the caller (earlier ones are hops before it)', () => {
    const { p, callers } = pairer();
    p.exchange(ex('10.0.0.1:5000', '10.0.0.2:8774', 10.5, 19, xff('192.0.2.7, 10.0.0.9')));
    p.exchange(ex('10.0.0.9:4000', '10.0.0.10:8774', 10, 20));
    expect(callers[0][1]).not.toBeNull();
  });

  it('does not pair another caller, another target, or a leg that is not nested in time', () => {
    for (const [backend, caller] of [
      [ex('10.0.0.1:5000', '10.0.0.2:8774', 10.5, 19, xff('10.0.0.8')), ex('10.0.0.9:4000', '10.0.0.10:8774', 10, 20)],
      [
        ex('10.0.0.1:5000', '10.0.0.2:8774', 10.5, 19, xff('10.0.0.9'), 'GET', '/v2.1/flavors'),
        ex('10.0.0.9:4000', '10.0.0.10:8774', 10, 20),
      ],
      [ex('10.0.0.1:5000', '10.0.0.2:8774', 9.5, 19, xff('10.0.0.9')), ex('10.0.0.9:4000', '10.0.0.10:8774', 10, 20)],
      [ex('10.0.0.1:5000', '10.0.0.2:8774', 10.5, 21, xff('10.0.0.9')), ex('10.0.0.9:4000', '10.0.0.10:8774', 10, 20)],
    ] as const) {
      const { p, callers, backends } = pairer();
      p.exchange(backend);
      p.exchange(caller);
      expect(callers).toEqual([[caller, null]]);
      p.end();
      expect(backends).toEqual([[backend, null]]);
    }
  });

  it('of several held legs, takes the first to start after the caller', () => {
    const { p, callers, backends } = pairer();
    const late = ex('10.0.0.1:5001', '10.0.0.2:8774', 12, 18, xff('10.0.0.9'));
    const early = ex('10.0.0.1:5000', '10.0.0.2:8774', 10.2, 19, xff('10.0.0.9'));
    p.exchange(late);
    p.exchange(early);
    p.exchange(ex('10.0.0.9:4000', '10.0.0.10:8774', 10, 20));
    expect(backends[0][0]).toBe(early);
    expect(callers[0][1]!.proxyMs).toBeCloseTo(10 - 8.8, 9);
  });

  it('a held leg goes on alone once its caller leg would have completed (2 s of capture time)', () => {
    const { p, backends } = pairer();
    const b = ex('10.0.0.1:5000', '10.0.0.2:8774', 10.5, 19, xff('10.0.0.9'));
    p.exchange(b);
    p.tick(1000 * MS);
    expect(backends).toEqual([]);
    p.tick(2020 * MS);
    expect(backends).toEqual([[b, null]]);
    expect(p.counters.backendAlone).toBe(1);
  });
});
