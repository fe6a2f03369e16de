/** A linear scale from milliseconds to pixels with round ticks (d3-scale's idea, d3-array's ticks). */
import { nice, ticks } from 'd3-array';

export interface LinearScale {
  (value: number): number;
  domain: [number, number];
  ticks: number[];
}

/** Domain [0, max] widened to round numbers, mapped onto [x0, x1]. */
export function linearScale(max: number, x0: number, x1: number, tickCount = 6): LinearScale {
  const [lo, hi] = nice(0, max > 0 ? max : 1, tickCount);
  const k = (x1 - x0) / (hi - lo);
  const scale = ((v: number) => x0 + (v - lo) * k) as LinearScale;
  scale.domain = [lo, hi];
  scale.ticks = ticks(lo, hi, tickCount);
  return scale;
}
