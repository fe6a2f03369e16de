/**
 * vim-analyse as a library.
 *
 *   import { analyse } from 'vim-analyse';
 *   const result = await analyse('capture.pcap');          // DESIGN.md's result contract
 *   for await (const e of analyseStream('capture.pcap')) … // each request as it completes, corrections, then the result
 */
export { analyse, analyseStreamed, listMessages, toResult, toStreamedResult, type AnalyseOptions } from './pipeline/analyse.js';
export { analyseStream, type AnalyseStreamEvent } from './pipeline/analyseStream.js';
export { compareCaptures, type ComparisonResult } from './pipeline/compare.js';
export { captureInfo, type CaptureInfo, type ConnectionRow } from './pipeline/captureInfo.js';
export { AnalysisSession, type SessionOptions, type SessionOutput } from './pipeline/analysisSession.js';
export type { AnalysisResult, ResultRequest, ResultRequestList, ResultPhase, ResultClock, ResultDiagnosis, ResultCapture, MessageLine } from './result/types.js';

// Stage contracts, for tools that plug in at a given stage.
export { readCapture, type CaptureSource, type ReadCaptureOptions } from './capture/readCapture.js';
export { SessionClock } from './capture/sessionClock.js';
export { UnusableInputError, type PacketRecord, type CaptureSummary } from './capture/types.js';
export { reassembleTcp, type ReassembleResult } from './net/reassembleTcp.js';
export type { ConnectionInfo, StreamHandler, StreamHandlerFactory, Direction, NetCounters, ReassemblyLimits } from './net/types.js';
export type { HttpExchange, AmqpMessage, AmqpMethod, MsgpackRpcExchange, ProtocolLimits } from './protocols/types.js';
export type { VimMessage, Vim, MessageIds, Observation } from './dissectors/types.js';
export type { NovaHttpEvent, NovaRpcEvent } from './dissectors/nova/types.js';
export type { NomadHttpEvent, NomadRpcEvent } from './dissectors/nomad/types.js';
export type { RequestTimeline, PhaseModel, PhaseDef, MilestoneDef, ClockEstimate } from './timeline/types.js';
export { novaPhaseModel, nomadPhaseModel } from './timeline/phaseModel.js';
export type { PhaseStats, StatsByVim, PhaseComparison } from './stats/types.js';
export type { LogEvent, ParsedLog, ParseLogOptions } from './logs/types.js';
export { readLog, parseLogLines, groupWhrBlocks, type WhrBlock } from './logs/index.js';
export { runLive, type LiveRunOptions } from './live/runLive.js';
export { LiveCaptureError, type LiveOptions, type LiveStats } from './live/types.js';
