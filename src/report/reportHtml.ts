/**
 * The HTML report: one self-contained file (inline CSS and SVG, a few lines of inline JS
 * to sort tables; no network access) with, per VIM, the phase statistics, the chart, one
 * row per request sortable by any column, a waterfall of the slowest request when the
 * messages are given; then the diagnosis and every warning (incomplete requests, gaps,
 * approximate phases, clock offsets).
 */
import type { AnalysisResult, MessageLine, ResultRequest } from '../result/types.js';
import type { PhaseStats } from '../stats/types.js';
import { esc, fmtMs } from './markup.js';
import { type ChartGroup, phaseChartSvg } from './phaseChartSvg.js';
import { colourOrder, phaseDepth, phaseNames, phaseSequence } from './phaseTree.js';
import { waterfallSvg } from './waterfallSvg.js';

export interface ReportOptions {
  title?: string;
  /** The run's messages (`listMessages`): adds a waterfall of each VIM's slowest request. */
  messages?: readonly MessageLine[];
  /** Bars of each VIM's chart (default: one bar, this result). E.g. stock vs tuned. */
  chartGroups?: Record<string, ChartGroup[]>;
  /** At most this many warning lines are listed (default 200); the rest are counted. */
  maxWarnings?: number;
}

const css =
  `
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#111;margin:24px auto;max-width:1200px;` +
  `padding:0 16px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;` +
  `padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:6px 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f4f5f7;position:sticky;top:0}td.l,th.l{text-align:left}
.scroll{overflow-x:auto;max-height:70vh;overflow-y:auto}
table.sortable th button{all:unset;cursor:pointer}table.sortable th button:focus-visible{outline:2px solid ` +
  `#0072B2}
th[aria-sort=ascending] button::after{content:' ▲'}th[aria-sort=descending] button::after{content:' ▼'}
tr.incomplete td{background:#fff4e5}td.approx{font-style:italic}td.absent{color:#999}
.muted{color:#555}ul{margin:4px 0;padding-left:22px}svg{max-width:100%;height:auto}
`;

/** Click a header to sort by it; again to reverse. Empty cells (absent phases) stay last. */
const sortScript =
  `
for(const t of document.querySelectorAll('table.sortable'))t.tHead.addEventListener('click',e=>{
const th=e.target.closest('th');if(!th)return;const i=th.cellIndex,asc=th.getAttribute('aria-sort')` +
  `!=='ascending',b=t.tBodies[0];
const key=r=>{const c=r.cells[i],v=c.dataset.v;return v===undefined?c.textContent:v===''?null:Number(v)};
const rows=[...b.rows].sort((x,y)=>{const a=key(x),c=key(y);if(a===null||c===null)return a===c?0:a===null?1:-1;` +
  `return(a<c?-1:a>c?1:0)*(asc?1:-1)});
for(const h of t.tHead.rows[0].cells)h.removeAttribute('aria-sort');th.setAttribute('aria-sort',` +
  `asc?'ascending':'descending');b.append(...rows)});
`;

const f1 = (x: number): string => x.toFixed(1);

function th(text: string, cls = ''): string {
  return `<th${cls ? ` class="${cls}"` : ''} scope="col"><button type="button">${esc(text)}</button></th>`;
}

function statsTable(stats: Record<string, PhaseStats>, vim: string): string {
  const seq = phaseSequence(vim);
  const known = phaseNames(vim);
  const names = [...known.filter((n) => stats[n]), ...Object.keys(stats).filter((n) => !known.includes(n))];
  const total = stats.total;
  const rows = names.map((name) => {
    const s = stats[name];
    const share =
      total && seq.includes(name) && total.meanMs > 0 ? `${((100 * s.meanMs) / total.meanMs).toFixed(1)}%` : '';
    const indent = '&#160;&#160;'.repeat(phaseDepth(vim, name));
    return (
      `<tr data-phase="${esc(name)}"><td class="l">${indent}${esc(name)}</td><td>${s.n}</td><td>` +
      `${f1(s.meanMs)}</td><td>${f1(s.ci95Ms[0])}–${f1(s.ci95Ms[1])}</td><td>${f1(s.medianMs)}</td><td>` +
      `${f1(s.p90Ms)}</td><td>${f1(s.p95Ms)}</td><td>${f1(s.sdMs)}</td><td>${f1(s.minMs)}</td><td>` +
      `${f1(s.maxMs)}</td><td>${share}</td></tr>`
    );
  });
  const head = ['phase', 'n', 'mean ms', '95% CI', 'median', 'p90', 'p95', 'sd', 'min', 'max', 'share of total'];
  return (
    `<table class="stats"><thead><tr>` +
    `${head.map((h, i) => `<th scope="col"${i === 0 ? ' class="l"' : ''}>${esc(h)}</th>`).join('')}</tr>` +
    `</thead><tbody>${rows.join('')}</tbody></table>`
  );
}

/** Phase columns of the request table: model order, only phases some request has. */
function requestColumns(reqs: ResultRequest[], vim: string): string[] {
  const seen = new Set(reqs.flatMap((r) => Object.keys(r.phases)));
  const known = phaseNames(vim);
  return [...known.filter((n) => seen.has(n)), ...[...seen].filter((n) => !known.includes(n))];
}

function requestsTable(reqs: ResultRequest[], vim: string): string {
  const cols = requestColumns(reqs, vim);
  const startOf = (r: ResultRequest): string =>
    Object.values(r.phases)
      .map((p) => p.start)
      .sort()[0] ?? '';
  const rows = reqs.map((r, i) => {
    const cells = cols.map((c) => {
      const p = r.phases[c];
      if (!p) return `<td class="absent" data-v="" title="${esc(r.absent?.[c] ?? 'not measured')}">–</td>`;
      const tip =
        `${p.host}, ${p.source}` + `${p.approx ? `, approximate: ${p.substitute ?? 'substitute observation'}` : ''}`;
      return (
        `<td${p.approx ? ' class="approx"' : ''} data-v="${p.ms}" title="${esc(tip)}">${f1(p.ms)}` +
        `${p.approx ? '~' : ''}</td>`
      );
    });
    return (
      `<tr data-request="${esc(r.id)}"${r.complete ? '' : ' class="incomplete"'}><td data-v="${i + 1}">${i + 1}</td>` +
      `<td class="l" title="${esc(
        Object.entries(r.keys)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      )}">${esc(r.id)}</td>` +
      `<td class="l" title="${esc(startOf(r))}">${esc(startOf(r).slice(11, 23))}</td><td class="l">` +
      `${r.complete ? 'yes' : 'no'}</td>${cells.join('')}` +
      `<td class="l">${esc(r.missing.join('; '))}</td></tr>`
    );
  });
  return (
    `<div class="scroll"><table class="sortable requests" data-vim="${esc(vim)}"><thead><tr>${th('#')}` +
    `${th('request', 'l')}${th('start', 'l')}${th('complete', 'l')}` +
    cols.map((c) => th(c)).join('') +
    `${th('missing', 'l')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>` +
    `<p class="muted">ms per phase; ~ approximate (a substitute observation was used: hover for which); – ` +
    `not measured (hover for why). Click a column to sort.</p>`
  );
}

/** Non-zero counters whose name says gap, wherever they sit in the counters tree. */
function gapCounters(counters: unknown, path = ''): string[] {
  if (counters === null || typeof counters !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(counters as Record<string, unknown>)) {
    const here = path ? (Array.isArray(counters) ? `${path}[${k}]` : `${path}.${k}`) : k;
    if (typeof v === 'number' && /gap/i.test(k) && v > 0) out.push(`${here}: ${v}`);
    else out.push(...gapCounters(v, here));
  }
  return out;
}

function list(items: string[], max: number): string {
  if (!items.length) return '<p class="muted">none</p>';
  const shown = items.slice(0, max).map((t) => `<li>${esc(t)}</li>`);
  const more = items.length > max ? `<li class="muted">… ${items.length - max} more</li>` : '';
  return `<ul>${shown.join('')}${more}</ul>`;
}

function warningsSection(result: AnalysisResult, max: number): string {
  const incomplete = result.requests
    .filter((r) => !r.complete)
    .map((r) => `${r.vim} ${r.id}: missing ${r.missing.join('; ') || '(unspecified)'}`);
  const approx = new Map<string, number>();
  for (const r of result.requests)
    for (const [name, p] of Object.entries(r.phases))
      if (p.approx) {
        const k = `${r.vim} ${name}: ${p.substitute ?? 'substitute observation'}`;
        approx.set(k, (approx.get(k) ?? 0) + 1);
      }
  const clocks = Object.entries(result.clocks);
  const clockTable = clocks.length
    ? '<table class="clocks"><thead><tr><th class="l" scope="col">host</th><th scope="col">offset ms</th>' +
      '<th scope="col">± ms</th><th class="l" scope="col">source</th></tr></thead><tbody>' +
      clocks
        .map(
          ([h, c]) =>
            `<tr><td class="l">${esc(h)}</td><td>${c.offsetMs.toFixed(3)}</td>` +
            `<td>${c.uncertaintyMs.toFixed(3)}</td><td class="l">${esc(c.source)}</td></tr>`,
        )
        .join('') +
      '</tbody></table><p class="muted">offset = host clock − capture clock; ' +
      'a log line stamped T happened at capture time T − offset.</p>'
    : '<p class="muted">no host clock aligned (no compute-host logs given)</p>';
  return [
    '<h2 id="warnings">Warnings</h2>',
    `<h3>Incomplete requests (${incomplete.length})</h3>`,
    list(incomplete, max),
    `<h3>Approximate phases (${[...approx.values()].reduce((a, b) => a + b, 0)})</h3>`,
    list(
      [...approx].map(([k, n]) => `${k} (${n} request${n === 1 ? '' : 's'})`),
      max,
    ),
    '<h3>Capture gaps</h3>',
    list(gapCounters(result.counters), max),
    '<h3>Clock offsets</h3>',
    clockTable,
    `<h3>Pipeline warnings (${result.warnings.length})</h3>`,
    list(result.warnings.map(String), max),
  ].join('\n');
}

function slowest(reqs: ResultRequest[]): ResultRequest | undefined {
  const complete = reqs.filter((r) => r.complete && r.phases.total);
  return complete.sort((a, b) => b.phases.total.ms - a.phases.total.ms)[0];
}

export function reportHtml(result: AnalysisResult, opts: ReportOptions = {}): string {
  const title =
    opts.title ??
    `vim-analyse report: ${result.captures.map((c) => c.file.split('/').pop()).join(', ') || 'no capture'}`;
  const max = opts.maxWarnings ?? 200;
  const body: string[] = [];
  body.push(`<h1>${esc(title)}</h1>`);
  const captureItems = result.captures.map(
    (c) =>
      `<li>${esc(c.file)}: ${esc(c.format)}${c.gzip ? ' (gzip)' : ''}, ${c.packets} packets, ` +
      `${esc(c.start ?? '–')} → ${esc(c.end ?? '–')}</li>`,
  );
  body.push(`<ul class="captures">${captureItems.join('')}</ul>`);
  if (result.vims.length === 0) body.push('<p>No Nova or Nomad VM start found in this capture.</p>');

  for (const vim of result.vims) {
    const reqs = result.requests.filter((r) => r.vim === vim);
    const stats = result.stats[vim] ?? {};
    const seq = phaseSequence(vim);
    body.push(
      `<section data-vim="${esc(vim)}"><h2 id="${esc(vim)}">${esc(vim)}: ${reqs.length} requests, ` +
        `${reqs.filter((r) => r.complete).length} complete</h2>`,
    );
    if (Object.keys(stats).length) {
      body.push('<h3>Phases</h3>', statsTable(stats, vim));
      const groups = opts.chartGroups?.[vim] ?? [{ label: vim, stats }];
      const phases = seq.filter((p) => groups.some((g) => g.stats[p]));
      const chart = phaseChartSvg(groups, phases, {
        title: `${vim}: mean time per phase`,
        width: 900,
        colourOrder: colourOrder(vim),
      });
      body.push(`<figure>${chart}</figure>`);
    }
    if (reqs.length) body.push(`<h3>Requests</h3>`, requestsTable(reqs, vim));
    const pick = opts.messages ? slowest(reqs) : undefined;
    if (pick && opts.messages) {
      body.push(`<h3>Slowest complete request (${fmtMs(pick.phases.total.ms)} ms)</h3>`);
      body.push(`<figure>${waterfallSvg(pick, opts.messages, { width: 1100, idPrefix: `wf-${vim}` })}</figure>`);
    }
    body.push('</section>');
  }

  body.push('<h2 id="diagnosis">Diagnosis</h2>');
  const findingItems = result.diagnosis.map(
    (d) =>
      `<li data-kind="${esc(d.kind)}"><strong>${esc(d.kind)}</strong> — ${esc(d.phase)}` +
      `${'host' in d && d.host ? ` on ${esc(d.host)}` : ''}: ${esc(d.text)}</li>`,
  );
  body.push(
    result.diagnosis.length ? `<ul class="diagnosis">${findingItems.join('')}</ul>` : '<p class="muted">no finding</p>',
  );
  body.push(warningsSection(result, max));

  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No request can leave the page: everything is inline.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; ` +
      `script-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title>`,
    `<style>${css}</style></head><body>`,
    ...body,
    `<script>${sortScript}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
