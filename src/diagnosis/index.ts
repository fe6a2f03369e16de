/** Diagnosis stage: why the time goes where it goes (see types.ts). */
export { diagnose } from './diagnose.js';
export { detectDominant } from './dominant.js';
export { detectTimers } from './timer.js';
export { detectBatching } from './batching.js';
export { detectQueueing } from './queueing.js';
export { detectOutliers } from './outliers.js';
export { detectPeriod, type PeriodFit } from './periodicity.js';
export { findPhaseEnds, type PhaseEnd, type MessageEdge } from './phaseEnds.js';
export type { Confidence, DiagnosisContext, DiagnosisInput, MessageRef, WireEvent } from './types.js';
