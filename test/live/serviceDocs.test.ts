/**
 * The service examples in docs/service/ are what Prometheus and systemd accept: promtool
 * checks the scrape config and the alert rules, and runs the rules against series shaped
 * like live's own (the alerts fire on a slow boot and on ring drops, and not without them);
 * systemd-analyze finds no error in the unit other than the binary's install path.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { metricNames, phaseBucketsSeconds } from '../../src/live/liveMetrics.js';

const docs = resolve(__dirname, '../../docs/service');
const dir = mkdtempSync(join(tmpdir(), 'h24-docs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/service examples', () => {
  it('promtool accepts the scrape config and the rules', () => {
    const out = execFileSync('promtool', ['check', 'config', join(docs, 'prometheus-scrape.yml')], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/SUCCESS: 1 rule files found/);
    expect(
      execFileSync('promtool', ['check', 'rules', join(docs, 'vim-analyse-alerts.yml')], { encoding: 'utf8' }),
    ).toMatch(/SUCCESS: 6 rules found/);
  });

  it('the alerts fire on live-shaped series: a slow boot, ring drops; and stay quiet without them', () => {
    copyFileSync(join(docs, 'vim-analyse-alerts.yml'), join(dir, 'rules.yml'));
    // Every minute one boot of 40 s (slow) on core1, 2 s on core2; core1's ring drops 5/min.
    const buckets = (host: string, sec: number) =>
      [...phaseBucketsSeconds.map(String), '+Inf']
        .map(
          (le) =>
            `      - series: '${metricNames.phase}_bucket{instance="${host}", vim="nova", phase="total", compute_host="10.0.0.2", le="${le}"}'\n        values: '${le === '+Inf' || Number(le) >= sec ? '0+1x40' : '0x40'}'`,
        )
        .join('\n');
    writeFileSync(
      join(dir, 'test.yml'),
      `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
${buckets('core1', 40)}
      - series: '${metricNames.ringDrops}{instance="core1"}'
        values: '0+5x40'
      - series: '${metricNames.ringDrops}{instance="core2"}'
        values: '0x40'
    alert_rule_test:
      - eval_time: 30m
        alertname: VmStartSlow
        exp_alerts:
          - exp_labels: { severity: warning, vim: nova, phase: total }
            exp_annotations:
              # p90 interpolated inside the 30-60 s bucket that holds every boot.
              summary: 'nova: 90% of VM starts take up to 57s'
              description: 'Look at the per-phase p90 (vim:phase_duration_seconds:p90_10m) to see which phase grew.'
      - eval_time: 30m
        alertname: CaptureRingDropping
        exp_alerts:
          - exp_labels: { severity: warning, instance: core1 }
            exp_annotations:
              summary: 'core1: the capture ring drops packets'
              description: 'Raise -B (ring size) or narrow --filter; requests in flight then may be incomplete or approx.'
  - interval: 1m
    input_series:
${buckets('core2', 2)}
    alert_rule_test:
      - eval_time: 30m
        alertname: VmStartSlow
        exp_alerts: []
`,
    );
    const r = spawnSync('promtool', ['test', 'rules', join(dir, 'test.yml')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  it('systemd-analyze finds nothing wrong with the unit but the install path of the binary', () => {
    const r = spawnSync('systemd-analyze', ['verify', join(docs, 'vim-analyse-live.service')], { encoding: 'utf8' });
    expect(r.error, 'systemd-analyze (Debian: systemd; .ci/run installs it)').toBeUndefined();
    const problems = (r.stdout + r.stderr)
      .split('\n')
      .filter((l) => l.trim() && !/Command \/usr\/bin\/vim-analyse is not executable/.test(l));
    expect(problems).toEqual([]);
  });
});
