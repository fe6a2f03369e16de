/**
 * Wire text on its way to a terminal, a spreadsheet or XML: every output that prints text
 * from a capture passes it through here, so that an id holding ESC, a newline or an OSC 8
 * link shows as `\x1b`, `\n`, … instead of acting, and no secret reaches a printed line.
 */
import { redactSecrets } from '../dissectors/redactSecrets.js';

export { redactSecrets };

/** C0 controls, DEL, C1 controls; bidi overrides and line separators (they reorder or split lines too). */
const controls = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const named: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function shown(c: string): string {
  const code = c.charCodeAt(0);
  return (
    named[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
  );
}

/** One field of a line: every control character (newline too) rendered visibly. */
export function visible(text: string): string {
  return text.replace(controls, shown);
}

/** Whole text made of lines: controls rendered visibly, the line breaks themselves kept. */
export function terminalText(text: string): string {
  return text.replace(controls, (c) => (c === '\n' ? c : shown(c)));
}

/** Printed free text: secrets redacted, controls visible. */
export function printable(text: string): string {
  return visible(redactSecrets(text));
}

/** OWASP CSV injection rule: a cell a spreadsheet would read as a formula gets a leading quote. */
const formulaStart = /^[=+\-@\t\r]/;

/** One CSV cell from wire text: formula prefix neutralised, quoted when it holds a quote, comma, CR or LF. */
export function csvText(text: string): string {
  const cell = formulaStart.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** Characters XML 1.0 forbids (and C1/DEL, legal but invisible): replaced by their visible form. */
const xmlIllegal = new RegExp(
  String.raw`[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]` +
    String.raw`|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]`,
  'g',
);

export function xmlText(text: string): string {
  return text.replace(xmlIllegal, (c) => (c.length === 1 && c.charCodeAt(0) < 0xd800 ? shown(c) : '\ufffd'));
}
