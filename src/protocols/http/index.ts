/** HTTP/1.x: TCP stream events → request/response exchanges (no VIM knowledge). */
export { HttpConnectionParser, type HttpHeadInfo, type HttpParserOptions } from './parser.js';
export { headerValue, headerValues } from './headers.js';
