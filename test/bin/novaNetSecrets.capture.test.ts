/**
 * nova-net's secrets (a RabbitMQ password from an AMQP login inside the capture, the
 * servers' adminPass values, user and service tokens in Neutron and Glance calls) never
 * reach any output of the built CLI, for every output the main job and `messages` write.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { limited, runCli, type CliRun } from '../helpers/cliRuns.js';
import { capturePath, secretsOf, sharedFile } from '../helpers/groundTruth.js';

const dir = mkdtempSync(join(tmpdir(), 'vima-net-secrets-'));
/** Two runs at a time, each started when the first test asks for any (see cliRuns.ts). */
const twoAtATime = limited(2);

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
  const outFile = (format: string) => join(dir, `out.${format}`);
  // One analysis writes every format (-o FORMAT=FILE, repeated): nova-net is the largest capture.
  let mainJobRun: Promise<CliRun> | undefined;
  const mainJob = (): Promise<CliRun> =>
    (mainJobRun ??= twoAtATime(() =>
      runCli([capture, '--logs', log, '--requests', ...formats.flatMap((f) => ['-o', `${f}=${outFile(f)}`])]),
    ));

  it.each(formats)('-o %s=FILE (with the compute log, --requests; one run writes all six)', async (format) => {
    const out = outFile(format);
    const r = await mainJob();
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(out, 'latin1') + r.stdout + r.stderr;
    expect(text.length).toBeGreaterThan(1000);
    const leaked = secrets.filter((s) => text.includes(s));
    expect(leaked.map((s) => `${s.slice(0, 3)}…`)).toEqual([]);
  });

  it('messages (NDJSON and text from one run), info, a waterfall', async () => {
    expect((await mainJob()).status).toBe(0);
    const id = (JSON.parse(readFileSync(outFile('json'), 'utf8')) as { requests: { id: string }[] }).requests[0].id;
    const messageFiles = [join(dir, 'messages.ndjson'), join(dir, 'messages.txt')];
    const commands: [string[], string[]][] = [
      [['messages', capture, ...messageFiles.flatMap((f) => ['-o', f])], messageFiles],
      [['info', capture, '--json'], []],
      [['waterfall', capture, id], []],
    ];
    const runs = commands.map(([args]) => twoAtATime(() => runCli(args)));
    for (const [i, [args, files]] of commands.entries()) {
      const r = await runs[i];
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      const written = files.map((f) => readFileSync(f, 'latin1'));
      for (const w of files.length ? written : [r.stdout]) expect(w.length).toBeGreaterThan(1000);
      const text = [r.stdout, r.stderr, ...written].join('');
      const leaked = secrets.filter((s) => text.includes(s));
      expect(
        leaked.map((s) => `${s.slice(0, 3)}…`),
        args[0],
      ).toEqual([]);
    }
  });
});
