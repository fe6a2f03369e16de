/**
 * Clock alignment from causality. Each constraint bounds `offset = host clock − capture
 * clock`: an event the host stamped E (its clock) that happened after a message arrived
 * at capture time A gives offset ≤ E − A; one reported by a message sent at capture time
 * S gives offset ≥ E − S. The estimate is the middle of the tightest interval; its
 * half-width is the uncertainty.
 */
import type { ClockEstimate } from './types.js';

export class ClockBounds {
  lower = Number.NEGATIVE_INFINITY;
  upper = Number.POSITIVE_INFINITY;
  constraints = 0;

  /** The host stamped `hostNs` after the capture saw a message at `captureNs` (both relative ns). */
  after(hostNs: number, captureNs: number): void {
    this.upper = Math.min(this.upper, hostNs - captureNs);
    this.constraints++;
  }

  /** The host stamped `hostNs` before the capture saw a message at `captureNs`. */
  before(hostNs: number, captureNs: number): void {
    this.lower = Math.max(this.lower, hostNs - captureNs);
    this.constraints++;
  }

  /** null when there is not a bound on each side. */
  estimate(source: string): ClockEstimate | null {
    if (!Number.isFinite(this.lower) || !Number.isFinite(this.upper)) return null;
    // Crossed bounds (clock drift, or a wrong join) still give an answer, with the
    // uncertainty covering both bounds.
    const mid = (this.lower + this.upper) / 2;
    const half = Math.abs(this.upper - this.lower) / 2;
    return { offsetMs: mid / 1e6, uncertaintyMs: half / 1e6, source, constraints: this.constraints };
  }
}
