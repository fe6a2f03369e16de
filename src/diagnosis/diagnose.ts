/**
 * The diagnosis of one analysis: every detector over the same input, in the order a
 * reader wants them — where the time goes, why (timers, batching, queueing), then the
 * requests that stand out. Pure: the same input always gives the same statements.
 */
import type { ResultDiagnosis } from '../result/types.js';
import { detectBatching } from './batching.js';
import { detectDominant } from './dominant.js';
import { detectOutliers } from './outliers.js';
import { detectProxyDelay } from './proxy.js';
import { detectPollingLoops } from './pollingLoop.js';
import { findPhaseEnds } from './phaseEnds.js';
import { detectQueueing } from './queueing.js';
import { detectTimers } from './timer.js';
import { roundDurations } from '../stats/roundMs.js';
import type { DiagnosisContext, DiagnosisInput, MessageRef } from './types.js';

const relativeTime = (ns: number): string => `+${(ns / 1e9).toFixed(6)} s`;
const relativeNs = (ns: number): string => String(Math.round(ns));

export function diagnose(input: DiagnosisInput): ResultDiagnosis[] {
  const time = input.formatTime ?? relativeTime;
  const unixNs = input.formatUnixNs ?? relativeNs;
  const ref = (i: number): MessageRef => {
    const m = input.messages;
    return {
      msg: i,
      t: time(m.t(i)),
      tUnixNs: unixNs(m.t(i)),
      name: m.name(i),
      src: m.src(i),
      dst: m.dst(i),
      ms: m.ms(i),
    };
  };
  const ctx: DiagnosisContext = { input, time, unixNs, ref };
  const ends = findPhaseEnds(input.requests, input.messages, input.sequences);
  const dominant = detectDominant(ctx);
  const timers = [...detectTimers(ctx, ends), ...detectPollingLoops(ctx)];
  const batching = detectBatching(ctx, ends);
  const queueing = detectQueueing(ctx);
  const outliers = detectOutliers(ctx, timers);
  // Durations to the ns, as the phases they come from: the text was written from the full values.
  return [...dominant, ...timers, ...batching, ...queueing, ...detectProxyDelay(ctx), ...outliers].map((d) =>
    roundDurations(d),
  );
}
