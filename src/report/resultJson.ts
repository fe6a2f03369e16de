/**
 * The result as `JSON.stringify(result, null, 2)` prints it, in pieces: the requests one by
 * one, so that no string of the whole result is held beside the result it was made from.
 */
import type { AnalysisResult, ResultRequest, ResultRequestList } from '../result/types.js';

/** `JSON.stringify(value, null, 2)` nested `depth` levels deep. */
function indented(value: unknown, depth: number): string {
  const text = JSON.stringify(value, null, 2);
  return depth === 0 ? text : text.replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

/** The `requests` array, in batches: a chunk per request would be many small writes. */
function* requestsJson(list: ResultRequestList): Generator<string> {
  if (list.length === 0) {
    yield '[]';
    return;
  }
  let batch: string[] = [];
  yield '[';
  for (let i = 0; i < list.length; i++) {
    batch.push(`${i === 0 ? '' : ','}\n    ${indented(list.at(i), 2)}`);
    if (batch.length === 200) {
      yield batch.join('');
      batch = [];
    }
  }
  yield `${batch.join('')}\n  ]`;
}

/**
 * `requests`, when given, stands for `result.requests`: each request is made, written and
 * let go, so the whole list never exists at once.
 */
export function* resultJsonChunks(result: AnalysisResult, requests?: ResultRequestList): Generator<string> {
  const entries = Object.entries(result).filter(([, v]) => v !== undefined && typeof v !== 'function');
  yield '{';
  let first = true;
  for (const [key, value] of entries) {
    yield `${first ? '' : ','}\n  ${JSON.stringify(key)}: `;
    first = false;
    if (key === 'requests' && requests) yield* requestsJson(requests);
    else if (key === 'requests' && Array.isArray(value))
      yield* requestsJson({ length: value.length, at: (i) => value[i] as ResultRequest });
    else yield indented(value, 1);
  }
  yield first ? '}\n' : '\n}\n';
}
