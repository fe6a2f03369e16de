/** The choke point every printed piece of wire text passes: controls shown, formulas and secrets defused. */
import { describe, expect, it } from 'vitest';
import { csvText, printable, terminalText, visible, xmlText } from '../../src/report/visible.js';
import { redactSecrets } from '../../src/dissectors/redactSecrets.js';
import { esc } from '../../src/report/markup.js';
import { textTable } from '../../src/report/textTable.js';

const anyControl = /[\u0000-\u001f\u007f-\u009f]/;

describe('visible', () => {
  it('renders C0, DEL, C1, bidi overrides and line separators as escapes', () => {
    expect(visible('a\x1b]0;t\x07b\nc\rd\te\x7f\x9b\u202e\u2028')).toBe(
      'a\\x1b]0;t\\x07b\\nc\\rd\\te\\x7f\\x9b\\u202e\\u2028',
    );
  });
  it('keeps printable text, unicode included, as it is', () => {
    expect(visible('réseau — 10.0.0.1:4646 → ok')).toBe('réseau — 10.0.0.1:4646 → ok');
  });
  it('terminalText keeps line breaks, nothing else', () => {
    expect(terminalText('a\x1b[2J\nb\r\n')).toBe('a\\x1b[2J\nb\\r\n');
  });
  it('a table cell with a newline stays one row', () => {
    const t = textTable([{ title: 'id' }, { title: 'n' }], [['x\nfake row', 1]]);
    const lines = t.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).not.toMatch(anyControl);
    expect(lines[2]).toContain('x\\nfake row');
  });
});

describe('csvText (OWASP CSV injection)', () => {
  it.each(['=HYPERLINK("http://x")', '+1', '-1+1', '@SUM(A1)', '\tx', '\rx'])(
    'neutralises a formula start: %j',
    (s) => {
      expect(csvText(s).replace(/^"/, '')).toMatch(/^'/);
    },
  );
  it('quotes a field with a quote, comma, CR or LF', () => {
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('a"b')).toBe('"a""b"');
    expect(csvText('a\rb')).toBe('"a\rb"');
    expect(csvText('a\nb')).toBe('"a\nb"');
    expect(csvText('plain')).toBe('plain');
  });
});

describe('xmlText', () => {
  it('replaces characters XML 1.0 forbids, keeps tab and newline', () => {
    expect(xmlText('a\x00\x1b\x0b\ufffe\tb\n')).toBe('a\\x00\\x1b\\x0b\ufffd\tb\n');
    expect(xmlText('x\ud800y')).toBe('x\ufffdy');
    expect(xmlText('😀')).toBe('😀');
  });
  it('esc (SVG and HTML) applies it before the entities', () => {
    expect(esc('<\x1b>')).toBe('&lt;\\x1b&gt;');
  });
});

describe('redactSecrets', () => {
  it.each([
    ['Login failed: password=hunter2 for admin', 'hunter2'],
    ['auth: "password": "hunter2"', 'hunter2'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x', 'eyJhbGciOiJIUzI1NiJ9'],
    ['Basic dXNlcjpwYXNz rejected', 'dXNlcjpwYXNz'],
    ['X-Auth-Token: gAAAAABk_token', 'gAAAAABk_token'],
    ['X-Subject-Token=abc123def', 'abc123def'],
    ['rabbit://nova:s3cret@10.0.0.1:5672/', 's3cret'],
    ['api_key=AKIA1234 and secret: xyz789', 'AKIA1234'],
    ['api_key=AKIA1234 and secret: xyz789', 'xyz789'],
    ['token=t0k3n&next=1', 't0k3n'],
  ])('%j loses %j', (text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
  });
  it('leaves ordinary text alone (an AMQP routing key is no secret)', () => {
    expect(redactSecrets('routing_key=compute.host1 exchange=nova')).toBe('routing_key=compute.host1 exchange=nova');
  });
  it('printable redacts, then shows controls', () => {
    expect(printable('password=x\x1b[2J')).toBe('password=***');
    expect(printable('bad\nline')).toBe('bad\\nline');
  });
});

describe('oslo failure texts keep no secret', () => {
  it('password=… and Bearer … are redacted where the failure is first read', async () => {
    const { failureText } = await import('../../src/dissectors/nova/osloMessage.js');
    const t = failureText(
      JSON.stringify({
        class: 'Unauthorized',
        message: 'db login password=hunter2 failed; Authorization: Bearer abc.def.ghi',
      }),
    );
    expect(t).toMatch(/^Unauthorized: /);
    expect(t).not.toContain('hunter2');
    expect(t).not.toContain('abc.def.ghi');
  });
});
