/**
 * Stream events as NDJSON, one line each (`live --json`; analyseStream's events written
 * out): the one writer of the shape stream-event.schema.json describes.
 */
import type { StreamEvent } from '../result/types.js';

export function streamEventLine(event: StreamEvent): string {
  return JSON.stringify(event) + '\n';
}
