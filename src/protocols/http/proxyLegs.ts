/**
 * One HTTP call seen twice through a reverse proxy (HAProxy on a VIP): caller → proxy,
 * then proxy → backend. The backend leg carries `X-Forwarded-For` ending with the caller's
 * address; it starts after the caller's leg starts and its response ends before the
 * caller's does. Backend legs are held until their caller's leg completes (it always
 * completes later) or until `holdNs` of capture time has passed, then handed on paired or
 * alone. Only HTTP knowledge: method, target, header, times.
 */
import { endpointText } from '../../net/ipPacket.js';
import type { HttpExchange } from '../types.js';
import { headerValue } from './headers.js';

/** The hop a paired call went through. */
export interface ProxyHop {
  /** Where the caller sent it (the proxy's listening address, often a VIP). */
  proxy: string;
  /** Where the proxy sent it on. */
  backend: string;
  /** Time the proxy added: the caller's leg minus the backend leg, ms (null without both responses). */
  proxyMs: number | null;
}

export interface ProxyLegHandlers {
  /** A caller's leg (or any exchange that is no backend leg), with its hop when paired. */
  caller(ex: HttpExchange, hop: ProxyHop | null): void;
  /** A backend leg: paired with its caller's leg, or alone (its caller's leg was not seen in clear). */
  backend(ex: HttpExchange, hop: ProxyHop | null): void;
}

/** Backend legs held at most (past it the oldest goes on alone, counted). */
const maxHeld = 10_000;

/** The address a proxy appended last: its own caller. */
export function forwardedFor(ex: HttpExchange): string | null {
  const v = headerValue(ex.request.headers, 'x-forwarded-for');
  if (!v) return null;
  const last = v.split(',').at(-1)!.trim();
  return last === '' ? null : last;
}

function endOf(ex: HttpExchange): number {
  return ex.response?.lastByte ?? ex.request.lastByte;
}

export class ProxyLegPairer {
  private held: { ex: HttpExchange; from: string }[] = [];
  readonly counters = { paired: 0, backendAlone: 0, heldOverLimit: 0 };

  constructor(
    private readonly handlers: ProxyLegHandlers,
    private readonly holdNs = 2e9,
  ) {}

  exchange(ex: HttpExchange): void {
    const from = forwardedFor(ex);
    if (from !== null) {
      this.held.push({ ex, from });
      if (this.held.length > maxHeld) {
        this.counters.heldOverLimit++;
        this.alone(this.held.shift()!.ex);
      }
      return;
    }
    const i = this.match(ex);
    if (i < 0) return this.handlers.caller(ex, null);
    const b = this.held.splice(i, 1)[0].ex;
    const hop: ProxyHop = {
      proxy: endpointText(ex.conn.server.ip, ex.conn.server.port),
      backend: endpointText(b.conn.server.ip, b.conn.server.port),
      proxyMs:
        ex.response && b.response
          ? (ex.response.lastByte - ex.request.firstByte - (b.response.lastByte - b.request.firstByte)) / 1e6
          : null,
    };
    this.counters.paired++;
    this.handlers.caller(ex, hop);
    this.handlers.backend(b, hop);
  }

  /** The held backend leg that `c` reached the backend as: the first one to start after it. */
  private match(c: HttpExchange): number {
    let best = -1;
    for (let i = 0; i < this.held.length; i++) {
      const { ex: b, from } = this.held[i];
      if (from !== c.conn.client.ip || b.request.method !== c.request.method || b.request.target !== c.request.target)
        continue;
      if (b.request.firstByte < c.request.firstByte || endOf(b) > endOf(c)) continue;
      if (best < 0 || b.request.firstByte < this.held[best].ex.request.firstByte) best = i;
    }
    return best;
  }

  /** Capture time `now`: backend legs whose caller's leg would have completed by now go on alone. */
  tick(now: number): void {
    if (!this.held.length) return;
    const keep: typeof this.held = [];
    for (const h of this.held) {
      if (endOf(h.ex) + this.holdNs < now) this.alone(h.ex);
      else keep.push(h);
    }
    this.held = keep;
  }

  end(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) this.alone(h.ex);
  }

  private alone(ex: HttpExchange): void {
    this.counters.backendAlone++;
    this.handlers.backend(ex, null);
  }
}
