/**
 * The streaming form of analyse(): an async iterable of events. Each request is handed out
 * as soon as it is complete while the capture is read, then the incomplete ones at the end,
 * then the corrections, then the whole result; taken together they are exactly analyse()'s.
 *
 * A request handed out early is final except for the phases it lists as `provisional`:
 * those placed with a host-clock estimate (Nomad client times, log sub-phases), which
 * later messages refine. When a request's final form differs from what was handed out,
 * an `update` event carries the corrected request before the `result`.
 */
import type { CaptureSource } from '../capture/readCapture.js';
import { requestToResult, toResult, type AnalyseOptions } from './analyse.js';
import { AnalysisSession } from './analysisSession.js';
import { readLog } from '../logs/readLog.js';
import { nomadLogPhases, novaLogPhases } from '../timeline/phaseModel.js';
import type { AnalyseStreamEvent, ResultRequest } from '../result/types.js';

export type { AnalyseStreamEvent };

const logPhases: Record<string, readonly string[]> = { nova: novaLogPhases, nomad: nomadLogPhases };

/** The phases of an early request that depend on a clock estimate still being refined. */
export function provisionalPhases(r: ResultRequest, withLogs: boolean): string[] {
  const out = Object.entries(r.phases)
    .filter(([, p]) => p.source !== 'capture')
    .map(([name]) => name);
  // With logs, a sub-phase may also appear (whr blocks are joined by time).
  if (withLogs) for (const name of logPhases[r.vim] ?? []) if (!out.includes(name)) out.push(name);
  return out;
}

export async function* analyseStream(
  sources: CaptureSource | CaptureSource[],
  options: AnalyseOptions = {},
): AsyncGenerator<AnalyseStreamEvent, void, undefined> {
  const ready: AnalyseStreamEvent[] = [];
  const wake: { fn: (() => void) | null } = { fn: null };
  let done = false;
  let failure: unknown = null;
  const logs = [...(options.logs ?? [])];
  for (const spec of options.logFiles ?? []) logs.push(await readLog(spec, { signal: options.signal }));
  // What was handed out early, as JSON, to tell whether the final form differs.
  const handedOut = new Map<string, string>();
  let finishing = false;
  const session = new AnalysisSession({
    ...options,
    logs,
    onRequest: (r) => {
      // At finish() the rest are taken from the final result (with its vantage reasons).
      if (finishing) return;
      const request = requestToResult(r, session.clock, session.timeDigits());
      handedOut.set(request.id, JSON.stringify(request));
      ready.push({ type: 'request', request, provisional: provisionalPhases(request, logs.length > 0) });
      wake.fn?.();
    },
  });
  const work = (async () => {
    try {
      await session.addCaptures(Array.isArray(sources) ? sources : [sources]);
      options.signal?.throwIfAborted();
      finishing = true;
      const result = toResult(session.finish());
      const updates: AnalyseStreamEvent[] = [];
      for (const request of result.requests) {
        const early = handedOut.get(request.id);
        if (early === undefined) ready.push({ type: 'request', request, provisional: [] });
        else if (early !== JSON.stringify(request)) updates.push({ type: 'update', request });
      }
      ready.push(...updates, { type: 'result', result });
    } catch (e) {
      failure = e;
    } finally {
      done = true;
      wake.fn?.();
    }
  })();
  while (true) {
    while (ready.length) {
      yield ready.shift()!;
      options.signal?.throwIfAborted();
    }
    if (done) break;
    await new Promise<void>((res) => (wake.fn = res));
    wake.fn = null;
  }
  await work;
  while (ready.length) yield ready.shift()!;
  if (failure) throw failure;
}
