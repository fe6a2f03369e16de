/**
 * nova-net's secrets (a RabbitMQ password from an AMQP login inside the capture, the
 * servers' adminPass values, user and service tokens in Neutron and Glance calls) never
 * reach any output of the built CLI, for every output the main job and `messages` write.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { capturePath, secretsOf, sharedFile } from '../helpers/groundTruth.js';

const bin = resolve(__dirname, '../../dist/bin/vim-analyse.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'latin1', maxBuffer: 1 << 28, timeout: 120_000 });
const dir = mkdtempSync(join(tmpdir(), 'vima-net-secrets-'));

describe('nova-net: no secret in any output', () => {
  const capture = capturePath('nova-net');
  const log = sharedFile('nova-net', 'logs', 'nova-compute.log');
  const secrets = secretsOf('nova-net');

  it('the capture really carries them: passwords, the RabbitMQ login, tokens, adminPass values', () => {
    // 7 passwords, 8 tokens, 20 admin passwords (README).
    expect(secrets.length).toBe(35);
    const raw = gunzipSync(readFileSync(capture)).toString('latin1');
    const onWire = secrets.filter((s) => raw.includes(s));
    expect(onWire.length).toBeGreaterThanOrEqual(28);
    expect(raw.includes('rmq5UtUOXm4tNu6HQNG7coB'), 'the AMQP login inside the capture').toBe(true);
  });

  const formats = ['table', 'json', 'csv', 'html', 'chrome', 'otlp'];
  it.each(formats)('--format %s (with the compute log, --requests)', (format) => {
    const out = join(dir, `out.${format}`);
    const r = run(capture, '--logs', log, '-f', format, '-o', out, '--requests');
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(out, 'latin1') + r.stdout + r.stderr;
    expect(text.length).toBeGreaterThan(1000);
    const leaked = secrets.filter((s) => text.includes(s));
    expect(leaked.map((s) => `${s.slice(0, 3)}…`)).toEqual([]);
  });

  it('messages (NDJSON and table), info, a waterfall', () => {
    const id = (JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { requests: { id: string }[] }).requests[0].id;
    for (const args of [['messages', capture, '--json'], ['messages', capture], ['info', capture, '--json'], ['waterfall', capture, id]]) {
      const r = run(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(1000);
      const leaked = secrets.filter((s) => (r.stdout + r.stderr).includes(s));
      expect(leaked.map((s) => `${s.slice(0, 3)}…`), args[0]).toEqual([]);
    }
  });
});
