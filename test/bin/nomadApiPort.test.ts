/**
 * `--nomad-api-port`: the library's nomadApiPorts on every command that analyses. A Nomad
 * API on another port, with neither Nomad headers nor a reply of Nomad's shape, is found
 * once its port is given; a port that is not one is one line and exit 2.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempFile } from '../helpers/captureRecords.js';
import { pcapOf } from '../helpers/netEvents.js';
import { TcpConversation } from '../helpers/tcpConversation.js';
import { cliPath as bin } from '../helpers/cliRuns.js';

const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

function nomadOn(port: number): string {
  const c = new TcpConversation({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', port] });
  const body = '[{"ID":"web","Name":"web"}]';
  const segs = [
    ...c.handshake(),
    c.send(0, 'GET /v1/jobs HTTP/1.1\r\nHost: x\r\n\r\n'),
    c.send(1, `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
    c.fin(0),
    c.fin(1),
  ];
  return tempFile(`nomad-on-${port}.pcap`, pcapOf(segs.map((s) => c.frame(s))));
}

describe('--nomad-api-port', () => {
  const file = nomadOn(8646);

  it('makes an exchange under /v1/ on that port a Nomad message (messages)', () => {
    const without = run('messages', '--json', '-q', file);
    expect(without.status).toBe(0);
    expect(without.stdout).toBe('');
    const given = run('messages', '--json', '-q', '--nomad-api-port', '4646', '--nomad-api-port', '8646', file);
    expect(given.status).toBe(0);
    expect(
      given.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { vim: string; name: string })
        .map((m) => [m.vim, m.name]),
    ).toEqual([['nomad', 'GET /v1/jobs']]);
  });

  it('counts it as Nomad HTTP in the main job', () => {
    const count = (...args: string[]) => {
      const r = run(...args, '--json', '-q', file);
      expect(r.status).toBe(0);
      // Found by name, wherever the result's schema puts the message counters.
      const m = /"nomadHttp": (\d+)/.exec(r.stdout);
      expect(m).not.toBeNull();
      return Number(m![1]);
    };
    expect(count()).toBe(0);
    expect(count('--nomad-api-port', '8646')).toBe(1);
  });

  it.each([
    ['the main job', [file]],
    ['messages', ['messages', file]],
    ['waterfall', ['waterfall', file, 'x']],
    ['compare', ['compare', file, file]],
    ['figures', ['figures', file, '--no-png']],
    ['live', ['live', '-i', 'lo']],
  ])('%s takes it, and refuses a port that is none in one line (exit 2)', (_what, args) => {
    const r = run(...args, '--nomad-api-port', '70000');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("vim-analyse: --nomad-api-port wants a TCP port, 1 to 65535 (got '70000')\n");
  });
});
