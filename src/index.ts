/**
 * vim-analyse as a library.
 *
 *   import { analyse } from 'vim-analyse';
 *   const result = await analyse('capture.pcap');          // DESIGN.md's result contract
 *   for await (const e of analyseStream('capture.pcap')) … // each request as it completes,
 *                                                          // corrections, then the result
 */
export {
  analyse,
  analyseStreamed,
  analyseWithMessages,
  listMessages,
  messageLines,
  toResult,
  toStreamedResult,
  type AnalyseOptions,
} from './pipeline/analyse.js';
export { analyseStream, type AnalyseStreamEvent } from './pipeline/analyseStream.js';
export { compareCaptures, type ComparisonResult, type CompareOptions } from './pipeline/compare.js';
export { makeFigures, studyFigures, type Configuration, type Figure } from './pipeline/figures.js';
export { captureInfo, type CaptureInfo, type ConnectionRow } from './pipeline/captureInfo.js';
export {
  AnalysisSession,
  type SessionOptions,
  type SessionOutput,
  type CaptureRecord,
} from './pipeline/analysisSession.js';
export type {
  AnalysisResult,
  ResultRequest,
  ResultRequestList,
  ResultPhase,
  ResultClock,
  ResultDiagnosis,
  ResultCapture,
  MessageLine,
  PhaseAvailability,
  Vantage,
  ResultCounters,
  LogFileCounters,
  WhrFileCounters,
  DiagnosisBase,
  ResultTls,
  ResultTlsConnection,
  LiveCounters,
  RequestEvent,
  UpdateEvent,
  ResultEvent,
  SummaryEvent,
  StreamEvent,
} from './result/types.js';
export { TlsKeyLog, readTlsKeyLog } from './protocols/tls/keyLog.js';
export type { TlsConnectionSummary } from './protocols/tls/types.js';
export type { ProxyHop } from './protocols/http/proxyLegs.js';
export type {
  Confidence,
  MessageRef,
  DominantEvidence,
  TimerEvidence,
  BatchingEvidence,
  QueueingEvidence,
  OutlierEvidence,
  ProxyEvidence,
  PollingLoopEvidence,
  EventBatchingEvidence,
  GridFit,
} from './result/diagnosisEvidence.js';

// Stage contracts, for tools that plug in at a given stage.
export {
  readCapture,
  captureSourceName,
  type CaptureSource,
  type NamedCaptureSource,
  type ReadCaptureOptions,
} from './capture/readCapture.js';
export { SessionClock } from './capture/sessionClock.js';
export {
  UnusableInputError,
  type PacketRecord,
  type CaptureSummary,
  type CaptureWarning,
  type CaptureFormat,
  type CaptureInterface,
  type CaptureCounters,
  type CaptureDecoder,
} from './capture/types.js';
export { reassembleTcp, type ReassembleResult, type ReassembleOptions } from './net/reassembleTcp.js';
export { PacketDecoder, type PacketDecoderOptions } from './net/packetDecoder.js';
export type { TcpReassembler, TcpReassemblerOptions } from './net/tcpReassembler.js';
export type { IpFragmentReassembler, FragmentLimits } from './net/ipFragments.js';
export type { IpView } from './net/ipPacket.js';
export type {
  ConnectionInfo,
  ConnectionStats,
  StreamHandler,
  StreamHandlerFactory,
  Direction,
  NetCounters,
  NetWarning,
  ReassemblyLimits,
  Endpoint,
  EndReason,
} from './net/types.js';
export type {
  HttpExchange,
  HttpRequest,
  HttpResponse,
  Header,
  AmqpMessage,
  AmqpMethod,
  AmqpProperties,
  AmqpFieldValue,
  MsgpackRpcExchange,
  MsgpackRpcMessage,
  ProtocolLimits,
  ProtocolWarning,
  ProtocolCounters,
  ProtocolContext,
} from './protocols/types.js';
export type { GuessedProtocol } from './protocols/guessProtocol.js';
export type {
  VimMessage,
  VimMessageType,
  Vim,
  MessageIds,
  Observation,
  MessageTable,
  DissectorWarning,
} from './dissectors/types.js';
export type {
  NovaHttpEvent,
  NovaRpcEvent,
  NovaRpcKind,
  NovaRpcReply,
  NovaService,
  ServicePortTable,
  OsloExternalEvent,
  ExternalEventFact,
} from './dissectors/nova/types.js';
export type {
  NomadHttpEvent,
  NomadRpcEvent,
  NomadEvent,
  NomadAlloc,
  NomadTaskEvent,
  NomadTaskState,
} from './dissectors/nomad/types.js';
export type {
  RequestTimeline,
  PhaseModel,
  PhaseDef,
  MilestoneDef,
  ClockEstimate,
  PhaseSource,
  PhaseValue,
  MilestoneObservation,
  MilestoneSet,
  RequestKeys,
  LogTarget,
} from './timeline/types.js';
export { novaPhaseModel, nomadPhaseModel } from './timeline/phaseModel.js';
export type { PhaseStats, StatsByVim, PhaseComparison } from './stats/types.js';
export type { LogEvent, ParsedLog, ParseLogOptions, LogFormat, LogWarning, LogCounters } from './logs/types.js';
export { readLog, parseLogLines, groupWhrBlocks, type WhrBlock } from './logs/index.js';
export { runLive, type LiveRunOptions } from './live/runLive.js';
export {
  LiveCaptureError,
  type LiveOptions,
  type LiveStats,
  type LiveCountsSnapshot,
  type OtlpPushOptions,
  type OtlpPushStats,
} from './live/types.js';
export { LiveMetrics } from './live/liveMetrics.js';
export { OtlpPush } from './live/otlpPush.js';
export { LogFollower } from './live/logFollower.js';

// Report writers: everything the CLI writes, from a result (and its messages, for the HTML
// report, the Chrome trace and the waterfall: analyseWithMessages).
export {
  formatResult,
  breakdownSvg,
  phaseSequences,
  resultFormats,
  formatsWithMessages,
  type ResultFormat,
} from './report/formatResult.js';
export { summaryText, statsTable } from './report/summaryText.js';
export { requestsCsv } from './report/requestsCsv.js';
export { reportHtml, type ReportOptions } from './report/reportHtml.js';
export { phaseChartSvg, type ChartGroup, type PhaseChartOptions } from './report/phaseChartSvg.js';
export { waterfallSvg, type WaterfallOptions } from './report/waterfallSvg.js';
export { chromeTrace, type ChromeTrace, type ChromeTraceOptions, type TraceEvent } from './report/chromeTrace.js';
export {
  otlpTraces,
  type ExportTraceServiceRequest,
  type OtlpResourceSpans,
  type OtlpSpan,
  type KeyValue,
  type AnyValue,
} from './report/otlp/otlpTraces.js';
export { otlpProtobuf, encodeOtlp } from './report/otlp/otlpProtobuf.js';
export { resultJsonChunks } from './report/resultJson.js';
export { streamEventLine } from './report/streamEvents.js';
export { svgToPng, PngUnavailableError } from './report/svgToPng.js';
export { infoText } from './report/infoText.js';
export { compareText } from './report/compareText.js';
