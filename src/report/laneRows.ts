/**
 * Pack intervals into rows of a lane. `nest` allows an interval inside another on the
 * same row (a trace viewer stacks them); without it, rows hold disjoint intervals only
 * (a bar chart cannot draw one bar over another).
 */
export interface Interval {
  start: number;
  end: number;
}

function fits(row: Interval[], iv: Interval, nest: boolean): boolean {
  for (const o of row) {
    const disjoint = iv.end <= o.start || iv.start >= o.end;
    if (disjoint) continue;
    const nested = (iv.start >= o.start && iv.end <= o.end) || (o.start >= iv.start && o.end <= iv.end);
    if (!(nest && nested)) return false;
  }
  return true;
}

/** Row index for each interval (same order as the input); rows are 0, 1, … */
export function packRows(intervals: readonly Interval[], nest: boolean): number[] {
  const order = intervals
    .map((_, i) => i)
    .sort((a, b) => intervals[a].start - intervals[b].start || intervals[b].end - intervals[a].end);
  const rows: Interval[][] = [];
  const out = new Array<number>(intervals.length);
  for (const i of order) {
    let r = rows.findIndex((row) => fits(row, intervals[i], nest));
    if (r < 0) r = rows.push([]) - 1;
    rows[r].push(intervals[i]);
    out[i] = r;
  }
  return out;
}
