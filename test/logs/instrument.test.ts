/**
 * The Python marker writer and the TypeScript reader agree: run the instrument's unittest
 * (python3, standard library only), then read the lines it logged through an oslo-style logger.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLogLines } from '../../src/logs/collector.js';

const root = resolve(__dirname, '../..');
const hasPython = spawnSync('python3', ['--version']).status === 0;

describe.skipIf(!hasPython)('instrument/nova/vimts_instrument.py', () => {
  it('its unittest passes, and every line it logged parses back to the instant it took', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vimts-py-')), 'markers.log');
    const run = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'instrument/python_test', '-v'], {
      cwd: root,
      env: { ...process.env, VIMTS_TEST_OUT: out, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Ran \d+ tests/);

    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    const truth = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as {
      t_ns: string;
      id: string;
      phase: string;
      edge: string;
      host: string;
    }[];
    expect(lines).toHaveLength(20);
    const parsed = parseLogLines(lines, 'nova-compute.log');
    expect(parsed.counters).toEqual({
      lines: 20,
      used: 20,
      malformed: 0,
      unrecognised: 0,
      byFormat: { oslo: 20, vimts: 20 },
    });
    expect(parsed.host).toBe('compute1');
    expect(
      parsed.events.map((e) => ({
        t: e.timeNs,
        id: e.id,
        phase: e.phase,
        edge: e.edge,
        host: e.host,
        precision: e.precision,
        format: e.format,
      })),
    ).toEqual(
      truth.map((t) => ({
        t: BigInt(t.t_ns),
        id: t.id,
        phase: t.phase,
        edge: t.edge,
        host: t.host,
        precision: 9,
        format: 'vimts',
      })),
    );
  });
});

/** Debian's python (the pyenv one on PATH lacks Debian's modules); python3-nova is installed by .ci/run. */
const debianPython = '/usr/bin/python3';

describe("the spawn.vif_plugged_wait marker on Nova's own code (python3-nova)", () => {
  it("brackets ComputeVirtAPI's wait for network-vif-plugged, ending when the event arrives", () => {
    const run = spawnSync(
      debianPython,
      ['-m', 'unittest', 'discover', '-s', 'instrument/python_test', '-p', 'real_nova_check.py', '-v'],
      {
        cwd: root,
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONWARNINGS: 'ignore' },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    // Fails (not skips) without Debian's python or Nova: CI installs both.
    expect(run.error, `${debianPython}: ${run.error?.message}`).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /test_the_wait_for_network_vif_plugged_is_marked_on_novas_own_code \(real_nova_check\.RealNovaWait/,
    );
    expect(run.stderr).toMatch(/Ran 1 test/);
    expect(run.stderr).toMatch(/\nOK\s*$/);
  }, 150_000);
});
