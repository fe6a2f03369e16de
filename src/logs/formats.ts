/**
 * The line formats, tried in this order on every line (each first checks a few characters,
 * so a line costs one or two char tests before any regex). Several formats may share a file.
 * vimts markers are not a row: they are looked for inside every line (vimts.ts).
 */
import type { LineFormat } from './lineFormat.js';
import { nomadGoFormat } from './nomadGo.js';
import { nomadHclogFormat } from './nomadHclog.js';
import { nomadJsonFormat } from './nomadJson.js';
import { osloFormat } from './oslo.js';
import { whrFormat } from './whr.js';

export const LINE_FORMATS: readonly LineFormat[] = [
  osloFormat, // 2016-06-21 10:00:00.123 1234 INFO nova.compute.manager [req-…] …
  nomadGoFormat, // 2016/06/21 10:00:00.123456 [INFO] …
  nomadHclogFormat, // 2023-01-02T15:04:05.000Z [INFO]  client…: …
  nomadJsonFormat, // {"@level":"info","@timestamp":"…",…}
  whrFormat, // whr [spawn] ==> create img 0.293798
];
