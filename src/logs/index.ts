/** Logs stage: compute-host log files → timed LogEvents (see types.ts). */
export type { LogEvent, LogFormat, LogCounters, LogWarning, ParsedLog, ParseLogOptions } from './types.js';
export { readLog, parseLogSpec } from './readLog.js';
export { parseLogLines, LogCollector, hostFromFileName } from './collector.js';
export { groupWhrBlocks, type WhrBlock } from './whrBlocks.js';
export { WHR_LINES } from './whr.js';
export { LINE_FORMATS } from './formats.js';
