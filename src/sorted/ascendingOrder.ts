/**
 * The permutation that puts `times` in ascending order, ties in input order (the sort is
 * stable). The comparator answers -1/0/1: a difference of doubles is a boxed number per call.
 * Shared by the message log (time order) and the diagnosis (binary-search indexes).
 */
export function ascendingOrder(times: Float64Array): Int32Array {
  const order = new Int32Array(times.length);
  for (let k = 0; k < order.length; k++) order[k] = k;
  return order.sort((a, b) => (times[a] < times[b] ? -1 : times[a] > times[b] ? 1 : 0));
}
