/**
 * Trace and span ids derived from the request id, so that the same capture always gives
 * the same trace (reproducible outputs, diffable exports). Never all zero (invalid in OTLP).
 */
import { createHash } from 'node:crypto';

function digest(text: string, bytes: number): string {
  const hex = createHash('sha256')
    .update(text)
    .digest('hex')
    .slice(0, bytes * 2);
  return /^0+$/.test(hex) ? `${'0'.repeat(bytes * 2 - 1)}1` : hex;
}

/** 16 bytes, 32 hex digits. */
export function traceIdOf(vim: string, requestId: string): string {
  return digest(`vim-analyse trace ${vim} ${requestId}`, 16);
}

/** 8 bytes, 16 hex digits; `phase` is `total` for the request's root span. */
export function spanIdOf(vim: string, requestId: string, phase: string): string {
  return digest(`vim-analyse span ${vim} ${requestId} ${phase}`, 8);
}
