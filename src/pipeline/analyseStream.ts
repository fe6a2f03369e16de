/**
 * The streaming form of analyse(): an async iterable of requests, each yielded as soon as
 * it is complete while the capture is read (then the incomplete ones at the end).
 */
import type { CaptureSource } from '../capture/readCapture.js';
import { requestToResult, type AnalyseOptions } from './analyse.js';
import { AnalysisSession } from './analysisSession.js';
import { readLog } from '../logs/readLog.js';
import type { ResultRequest } from './types.js';

export async function* analyseStream(sources: CaptureSource | CaptureSource[], options: AnalyseOptions = {}): AsyncGenerator<ResultRequest> {
  const ready: ResultRequest[] = [];
  const signal: { wake: (() => void) | null } = { wake: null };
  let done = false;
  let failure: unknown = null;
  const logs = [...(options.logs ?? [])];
  for (const spec of options.logFiles ?? []) logs.push(await readLog(spec));
  const session = new AnalysisSession({
    ...options,
    logs,
    onRequest: (r) => {
      ready.push(requestToResult(r, session.clock, 9));
      signal.wake?.();
    },
  });
  const work = (async () => {
    try {
      await session.addCaptures(Array.isArray(sources) ? sources : [sources]);
      session.finish();
    } catch (e) {
      failure = e;
    } finally {
      done = true;
      signal.wake?.();
    }
  })();
  while (true) {
    while (ready.length) yield ready.shift()!;
    if (done) break;
    await new Promise<void>((res) => (signal.wake = res));
    signal.wake = null;
  }
  await work;
  while (ready.length) yield ready.shift()!;
  if (failure) throw failure;
}
