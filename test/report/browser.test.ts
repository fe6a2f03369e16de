/**
 * The chart, the waterfall and the HTML report as a person sees them: rendered by real
 * headless Chromium from real shared captures, measured on screen, screenshotted.
 * Screenshots go to a temporary folder; with UPDATE_DOCS_IMG=1 they replace docs/img/.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult, MessageLine, ResultRequest } from '../../src/pipeline/types.js';
import { phaseChartSvg } from '../../src/report/phaseChartSvg.js';
import { reportHtml } from '../../src/report/reportHtml.js';
import { waterfallSvg } from '../../src/report/waterfallSvg.js';
import { nomadPhaseModel, novaPhaseModel } from '../../src/timeline/phaseModel.js';
import { analysedCapture, capturedMessages } from '../helpers/analysedCaptures.js';
import { isoToNs, secretsOf } from '../helpers/groundTruth.js';
import { colourCounts, decodePng } from './pngPixels.js';

/** What the page callbacks read of a table (tests are type-checked without the DOM library, as src is). */
interface DomCell {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}
interface DomTable {
  tHead: { rows: ArrayLike<{ cells: Iterable<DomCell> }> } | null;
  tBodies: ArrayLike<{ rows: Iterable<{ cells: ArrayLike<DomCell> }> }>;
}

const executablePath = '/usr/bin/chromium';
const imgDir = process.env.UPDATE_DOCS_IMG
  ? resolve(__dirname, '../../docs/img')
  : mkdtempSync(join(tmpdir(), 'vim-analyse-img-'));

let browser: Browser;
const results: Record<string, AnalysisResult> = {};
let novaMessages: MessageLine[] = [];

async function page(html: string, viewport = { width: 1000, height: 700 }): Promise<Page> {
  const p = await browser.newPage({ viewport });
  await p.setContent(`<!DOCTYPE html><html><body style="margin:0">${html}</body></html>`);
  return p;
}

/** Mean of a phase over the requests that have it: computed here from the requests, not taken from stats. */
function meanOf(result: AnalysisResult, phase: string): number {
  const ms = result.requests.map((r) => r.phases[phase]?.ms).filter((v): v is number => v !== undefined);
  return ms.reduce((a, b) => a + b, 0) / ms.length;
}

function distinctColours(png: Uint8Array): number {
  return colourCounts(decodePng(png)).size;
}

describe.skipIf(!existsSync(executablePath))('in headless Chromium', () => {
  beforeAll(async () => {
    const names = ['nova-seq', 'nova-burst', 'nomad-2016-stock', 'nomad-2016-tuned'];
    const [browserP, ...analysed] = await Promise.all([
      chromium.launch({
        executablePath,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
        ],
      }),
      ...names.map((n) => analysedCapture(n)),
    ]);
    browser = browserP;
    names.forEach((n, i) => (results[n] = analysed[i]));
    novaMessages = await capturedMessages('nova-seq');
    mkdirSync(imgDir, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  const configurations = [
    {
      vim: 'nomad',
      phases: nomadPhaseModel.sequence,
      groups: ['nomad-2016-stock', 'nomad-2016-tuned'],
      labels: ['stock', 'tuned'],
      img: 'phase-chart.png',
    },
    {
      vim: 'nova',
      phases: novaPhaseModel.sequence,
      groups: ['nova-seq', 'nova-burst'],
      labels: ['sequential', 'burst'],
      img: null,
    },
  ];

  for (const cfg of configurations) {
    it(`${cfg.vim} chart: one bar per configuration, one segment per phase, widths proportional to the means, every phase in the legend`, async () => {
      const groups = cfg.groups.map((n, i) => ({ label: cfg.labels[i], stats: results[n].stats[cfg.vim] }));
      // Both sides are rounded to the ns (stats and phases alike): they agree to 1e-6 ms, give or take one rounding each.
      for (const n of cfg.groups)
        for (const p of cfg.phases) expect(results[n].stats[cfg.vim][p].meanMs).toBeCloseTo(meanOf(results[n], p), 5);
      const svg = phaseChartSvg(groups, cfg.phases, { title: `${cfg.vim}: ${cfg.labels.join(' vs ')}` });
      const p = await page(svg);

      // What is on screen: bars, segments, their boxes.
      const segs = await p.$$eval('svg rect[data-phase]', (els) =>
        els.map((e) => {
          const b = e.getBoundingClientRect();
          return {
            phase: e.getAttribute('data-phase')!,
            fill: e.getAttribute('fill')!,
            group: Number(e.closest('[data-group-index]')!.getAttribute('data-group-index')),
            x: b.x,
            w: b.width,
            y: b.y,
          };
        }),
      );
      expect(new Set(segs.map((s) => s.group)).size).toBe(cfg.groups.length);
      expect(await p.locator('svg g.bar').count()).toBe(cfg.groups.length);
      for (let g = 0; g < cfg.groups.length; g++) {
        const bar = segs.filter((s) => s.group === g);
        expect(bar.map((s) => s.phase)).toEqual([...cfg.phases]);
        // Stacked: each segment starts where the previous one ends, on one row.
        for (let i = 1; i < bar.length; i++) {
          expect(Math.abs(bar[i].x - (bar[i - 1].x + bar[i - 1].w))).toBeLessThan(0.6);
          expect(bar[i].y).toBe(bar[0].y);
        }
        expect(await p.locator(`svg g[data-group-index="${g}"] [data-whisker]`).count()).toBe(cfg.phases.length);
      }
      // Widths proportional to the means, with the factor the axis shows between tick labels.
      const ticks = await p.$$eval('svg [data-axis] text', (els) =>
        els
          .filter((e) => /^\d+(\.\d+)?$/.test(e.textContent!))
          .map((e) => {
            const b = e.getBoundingClientRect();
            return { v: Number(e.textContent), cx: b.x + b.width / 2 };
          }),
      );
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      const first = ticks[0];
      const last = ticks[ticks.length - 1];
      expect(first.v).toBe(0);
      const pxPerMs = (last.cx - first.cx) / (last.v - first.v);
      for (const s of segs) {
        const mean = meanOf(results[cfg.groups[s.group]], s.phase);
        expect(Math.abs(s.w - mean * pxPerMs)).toBeLessThan(1.5);
      }
      for (const s of segs.filter((x) => cfg.phases.indexOf(x.phase) === 0))
        expect(Math.abs(s.x - first.cx)).toBeLessThan(1.5);

      // The legend names every phase, visibly, in its colour.
      const legend = await p.$$eval('svg [data-legend]', (els) =>
        els.map((e) => ({
          text: e.textContent,
          fill: e.querySelector('rect')!.getAttribute('fill'),
          h: e.getBoundingClientRect().height,
        })),
      );
      expect(legend.map((l) => l.text)).toEqual([...cfg.phases]);
      for (const l of legend) expect(l.h).toBeGreaterThan(10);
      const svgBox = p.locator('svg').first();
      expect(await svgBox.getAttribute('role')).toBe('img');
      expect(await svgBox.getAttribute('aria-label')).toContain(cfg.labels[0]);

      const png = await svgBox.screenshot();
      const counts = colourCounts(decodePng(png));
      expect(counts.size).toBeGreaterThan(20);
      // Every phase's colour is on screen (at least the inside of its 14×14 legend swatch), and wide segments show it too.
      for (const l of legend) expect(counts.get(l.fill!.toLowerCase()) ?? 0).toBeGreaterThanOrEqual(12 * 12);
      const wide = segs.filter((s) => s.w > 30);
      for (const s of wide) expect(counts.get(s.fill.toLowerCase()) ?? 0).toBeGreaterThan(14 * 14 + 10 * 20);
      if (cfg.img) writeFileSync(join(imgDir, cfg.img), png);
      console.log(
        `${cfg.vim} chart: ${svg.length} bytes of SVG, ${segs.length} segments, ${counts.size} colours, ${png.length} bytes of PNG`,
      );
      await p.close();
    });
  }

  it("waterfall of a real boot (nova-net): neutron-server's lane, the agent's own lane with its scan and report, the networking phases", async () => {
    const result = await analysedCapture('nova-net');
    const messages = await capturedMessages('nova-net');
    const r = result.requests.find((q) => q.complete && q.phases.vif_plugged && q.phases.network)!;
    expect(r.keys.port).toMatch(/^[0-9a-f-]{36}$/);
    const p = await page(waterfallSvg(r, messages), { width: 920, height: 900 });
    const lanes = await p.$$eval('svg [data-lane]', (els) =>
      els.map((e) => ({ lane: e.getAttribute('data-lane')!, label: e.querySelector('text')!.textContent! })),
    );
    const agentLane = lanes.find((l) => l.lane.endsWith(' neutron agent'))!;
    expect(agentLane).toBeDefined();
    expect(agentLane.label).toBe('10.98.0.2');
    expect(lanes.map((l) => l.lane)).toContain('10.98.0.5');
    // The agent's calls about this boot's device start on its lane: the scan that found it and the report.
    const agentCalls = await p.$$eval('svg [data-message]', (els) => els.map((e) => e.getAttribute('data-message')!));
    const device = `tap${r.keys.port!.slice(0, 11)}`;
    const mine = messages.filter(
      (m) => m.ids.device === device && ['get_devices_details_list', 'update_device_up'].includes(m.name),
    );
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(agentCalls.length).toBeGreaterThan(mine.length);
    const bars = await p.$$eval('svg g[data-phase]', (els) => els.map((e) => e.getAttribute('data-phase')!));
    for (const phase of ['network', 'vif_plugged', 'vif_plugged.neutron', 'vif_plugged.nova'])
      expect(bars).toContain(phase);
    writeFileSync(join(imgDir, 'waterfall-nova-net.png'), await p.locator('svg').screenshot());
    await p.close();
  });

  it("waterfall: hosts as lanes, phases in their host's lane and in time order, absent phases listed", async () => {
    const result = results['nova-seq'];
    const r = result.requests.find((q) => q.complete && q.phases.total)!;
    const svg = waterfallSvg(r, novaMessages);
    const p = await page(svg, { width: 920, height: 800 });

    // Lanes: the phases' hosts and the hosts at both ends of this request's messages (by id, within its span).
    const lo = isoToNs(r.phases.total.start);
    const hi = isoToNs(r.phases.total.end);
    const own = novaMessages.filter(
      (m) => (m.ids.server === r.id || m.ids.request === r.keys.request) && isoToNs(m.t) >= lo && isoToNs(m.t) <= hi,
    );
    expect(own.length).toBeGreaterThan(5);
    const hosts = new Set([
      ...Object.values(r.phases).map((ph) => ph.host),
      ...own.flatMap((m) => [m.src, m.dst].map((e) => e.slice(0, e.lastIndexOf(':')))),
    ]);
    const lanes = await p.$$eval('svg [data-lane]', (els) =>
      els.map((e) => {
        const b = e.querySelector('rect')!.getBoundingClientRect();
        return { host: e.getAttribute('data-lane')!, top: b.y, bottom: b.y + b.height };
      }),
    );
    expect(new Set(lanes.map((l) => l.host))).toEqual(hosts);

    const bars = await p.$$eval('svg g[data-phase]', (els) =>
      els.map((e) => {
        const b = e.querySelector('rect')!.getBoundingClientRect();
        return { phase: e.getAttribute('data-phase')!, x: b.x, right: b.x + b.width, cy: b.y + b.height / 2 };
      }),
    );
    expect(bars.map((b) => b.phase).sort()).toEqual(Object.keys(r.phases).sort());
    const bar = (name: string) => bars.find((b) => b.phase === name)!;
    for (const b of bars.filter((x) => x.phase !== 'total')) {
      const lane = lanes.find((l) => l.host === r.phases[b.phase].host)!;
      expect(b.cy).toBeGreaterThan(lane.top);
      expect(b.cy).toBeLessThan(lane.bottom);
    }
    // Consecutive phases touch: each starts where the previous one ends.
    const seq = novaPhaseModel.sequence;
    for (let i = 1; i < seq.length; i++) expect(Math.abs(bar(seq[i]).x - bar(seq[i - 1]).right)).toBeLessThan(1.01);
    expect(Math.abs(bar('total').x - bar('api').x)).toBeLessThan(0.6);
    expect(Math.abs(bar('total').right - bar('notification').right)).toBeLessThan(1.01);
    // One mark per message of the request (duplicates of one exchange drawn once).
    const distinct = new Set(own.map((m) => `${m.t}|${m.name}|${m.src}|${m.dst}|${m.ms}`));
    expect(await p.locator('svg [data-message]').count()).toBe(distinct.size);

    const notes = (await p.$$eval('svg [data-note]', (els) => els.map((e) => e.textContent))).join('\n');
    for (const [phase, why] of Object.entries(r.absent)) expect(notes).toContain(`${phase} — ${why}`);

    const png = await p.locator('svg').screenshot();
    expect(distinctColours(png)).toBeGreaterThan(20);
    writeFileSync(join(imgDir, 'waterfall.png'), png);
    console.log(
      `waterfall: ${svg.length} bytes of SVG, ${lanes.length} lanes, ${distinct.size} messages, ${png.length} bytes of PNG`,
    );
    await p.close();
  });

  it('waterfall: an approximate phase is hatched with a dashed outline and names its substitute', async () => {
    const base = results['nova-seq'].requests.find((q) => q.complete)!;
    const r: ResultRequest = structuredClone(base);
    r.phases.dispatch = { ...r.phases.dispatch, approx: true, substitute: 'build_and_run_instance publish' };
    const p = await page(waterfallSvg(r, []));
    const approx = p.locator('svg g[data-approx="true"]');
    expect(await approx.count()).toBe(1);
    expect(await approx.getAttribute('data-phase')).toBe('dispatch');
    const overlay = approx.locator('rect[stroke-dasharray]');
    expect(await overlay.getAttribute('fill')).toMatch(/^url\(#.+-hatch\)$/);
    expect(await approx.locator('title').textContent()).toContain('build_and_run_instance publish');
    expect(await p.locator('svg g[data-phase]:not([data-approx])').count()).toBe(Object.keys(r.phases).length - 1);
    await p.close();
  });

  it('HTML report: one row per request, sorting by a phase column reorders them, warnings and no network', async () => {
    const result: AnalysisResult = structuredClone(results['nova-seq']);
    // One request made incomplete and one clock offset, so that the warnings have something to list.
    result.requests[2].complete = false;
    result.requests[2].missing = ['GET /v2.1/servers/{id} answering ACTIVE'];
    result.clocks['10.98.0.2'] = { offsetMs: 12.5, uncertaintyMs: 0.25, source: 'vimts markers' };
    const html = reportHtml(result, {
      messages: novaMessages,
      chartGroups: {
        nova: [
          { label: 'sequential', stats: results['nova-seq'].stats.nova },
          { label: 'burst', stats: results['nova-burst'].stats.nova },
        ],
      },
    });
    for (const secret of secretsOf('nova-seq')) expect(html).not.toContain(secret);
    const file = join(mkdtempSync(join(tmpdir(), 'vim-analyse-report-')), 'report.html');
    writeFileSync(file, html);

    const p = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    p.on('request', (q) => requests.push(q.url()));
    await p.goto(`file://${file}`);
    expect(requests).toEqual([`file://${file}`]);

    const rows = p.locator('table.requests[data-vim="nova"] tbody tr');
    expect(await rows.count()).toBe(result.requests.length);
    const idsBefore = await rows.evaluateAll((trs) => trs.map((t) => t.getAttribute('data-request')));
    expect(new Set(idsBefore)).toEqual(new Set(result.requests.map((r) => r.id)));

    const column = async (name: string): Promise<number[]> =>
      p.$$eval(
        'table.requests[data-vim="nova"]',
        (tables, name) => {
          const t = tables[0] as unknown as DomTable;
          const i = [...t.tHead!.rows[0].cells].findIndex((c) => c.textContent === name);
          return [...t.tBodies[0].rows].map((r) => Number(r.cells[i].dataset.v));
        },
        name,
      );
    const before = await column('scheduling');
    await p.locator('table.requests th', { hasText: /^scheduling$/ }).click();
    const asc = await column('scheduling');
    expect(asc).toEqual([...before].sort((a, b) => a - b));
    expect(asc).not.toEqual(before);
    const idsAsc = await rows.evaluateAll((trs) => trs.map((t) => t.getAttribute('data-request')));
    expect(idsAsc).not.toEqual(idsBefore);
    await p.locator('table.requests th', { hasText: /^scheduling$/ }).click();
    expect(await column('scheduling')).toEqual([...before].sort((a, b) => b - a));
    expect(await p.locator('table.requests th[aria-sort="descending"]').textContent()).toBe('scheduling');

    // The chart (two configurations), the waterfall, the warnings.
    expect(await p.locator('svg.phase-chart g.bar').count()).toBe(2);
    expect(await p.locator('svg.waterfall').count()).toBe(1);
    const warnings = await p.locator('#warnings ~ *').allTextContents();
    const text = warnings.join('\n');
    expect(text).toContain(`nova ${result.requests[2].id}: missing GET /v2.1/servers/{id} answering ACTIVE`);
    expect(text).toContain('10.98.0.2');
    expect(text).toContain('12.500');
    expect(await p.locator(`tr.incomplete[data-request="${result.requests[2].id}"]`).count()).toBe(1);

    const png = await p.screenshot();
    expect(distinctColours(png)).toBeGreaterThan(20);
    writeFileSync(join(imgDir, 'report.png'), png);
    console.log(`report: ${html.length} bytes of HTML, ${png.length} bytes of PNG`);
    await p.close();
  });
});
