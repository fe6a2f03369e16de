/** The terminal form of the main job: phase statistics per VIM, a verdict, optional per-request rows. */
import type { AnalysisResult, ResultRequest } from '../result/types.js';
import type { PhaseStats } from '../stats/types.js';
import { textTable } from './textTable.js';
import { phaseDepth } from './phaseTree.js';
import { printable, visible } from './visible.js';

const f1 = (x: number): string => x.toFixed(1);

/** Phases in model order: sequence first, then nested, then total. */
function phaseOrder(stats: Record<string, PhaseStats>): string[] {
  return Object.keys(stats);
}

function indentName(vim: string, name: string): string {
  return `${'  '.repeat(phaseDepth(vim, name))}${name}`;
}

export function statsTable(stats: Record<string, PhaseStats>, sequence: readonly string[], vim = ''): string {
  const total = stats.total;
  const names = phaseOrder(stats);
  const rows = names.map((name) => {
    const s = stats[name];
    const share = total && sequence.includes(name) ? `${((100 * s.meanMs) / total.meanMs).toFixed(1)}%` : '';
    return [
      indentName(vim, name),
      s.n,
      f1(s.meanMs),
      `${f1(s.ci95Ms[0])}–${f1(s.ci95Ms[1])}`,
      f1(s.medianMs),
      f1(s.p95Ms),
      f1(s.sdMs),
      f1(s.minMs),
      f1(s.maxMs),
      share,
    ];
  });
  return textTable(
    [
      { title: 'phase' },
      { title: 'n', align: 'right' },
      { title: 'mean ms', align: 'right' },
      { title: '95% CI', align: 'right' },
      { title: 'median', align: 'right' },
      { title: 'p95', align: 'right' },
      { title: 'sd', align: 'right' },
      { title: 'min', align: 'right' },
      { title: 'max', align: 'right' },
      { title: 'share', align: 'right' },
    ],
    rows,
  );
}

export function dominantVerdict(stats: Record<string, PhaseStats>, sequence: readonly string[]): string | null {
  const total = stats.total;
  if (!total) return null;
  const top = sequence.filter((p) => stats[p]).sort((a, b) => stats[b].meanMs - stats[a].meanMs)[0];
  if (!top) return null;
  const s = stats[top];
  return (
    `dominant phase: ${top}, ${f1(s.meanMs)} ms of ${f1(total.meanMs)} ms ` +
    `(${((100 * s.meanMs) / total.meanMs).toFixed(0)}% of total, n=${s.n})`
  );
}

function requestRows(requests: ResultRequest[], phases: string[]): string {
  const rows = requests.map((r) => [
    r.id,
    r.complete ? 'yes' : 'no',
    ...phases.map((p) => {
      const v = r.phases[p];
      return v ? `${f1(v.ms)}${v.approx ? '~' : ''}` : '-';
    }),
    r.missing.join('; '),
  ]);
  return textTable(
    [
      { title: 'request' },
      { title: 'complete' },
      ...phases.map((p) => ({ title: p, align: 'right' as const })),
      { title: 'missing' },
    ],
    rows,
  );
}

/** Which connections were TLS, and which stayed encrypted (server, name, version, why). */
function tlsLine(tls: NonNullable<AnalysisResult['tls']>): string {
  const closed = tls.connections.filter((c) => !c.decrypted);
  const line =
    `  tls: ${tls.connections.length} connection${tls.connections.length === 1 ? '' : 's'}, ` +
    `${tls.connections.length - closed.length} decrypted`;
  if (!closed.length) return line;
  const names = [
    ...new Set(
      closed.map(
        (c) => `${c.server}${c.serverName ? ` ${visible(c.serverName)}` : ''}${c.version ? ` ${c.version}` : ''}`,
      ),
    ),
  ];
  const reasons = [...new Set(closed.map((c) => c.reason ?? 'not decrypted'))];
  return (
    `${line}; still encrypted: ${names.slice(0, 5).join(', ')}` +
    `${names.length > 5 ? ` and ${names.length - 5} more` : ''} (${reasons.join('; ')})`
  );
}

export function summaryText(
  result: AnalysisResult,
  sequences: Record<string, readonly string[]>,
  opts: { requests?: boolean } = {},
): string {
  const out: string[] = [];
  for (const c of result.captures) {
    out.push(
      `${visible(c.file)}: ${c.format}${c.gzip ? ' (gzip)' : ''}, ${c.packets} packets, ${c.start ?? '-'} → ` +
        `${c.end ?? '-'}`,
    );
    if (c.vantage.kind === 'single-host') out.push(`  vantage: ${visible(c.vantage.text)}`);
  }
  if (result.tls) out.push(tlsLine(result.tls));
  if (result.vims.length === 0) out.push('\nno Nova or Nomad VM start found in this capture');
  for (const vim of result.vims) {
    const reqs = result.requests.filter((r) => r.vim === vim);
    const complete = reqs.filter((r) => r.complete).length;
    out.push(`\n${vim}: ${reqs.length} requests, ${complete} complete`);
    const stats = result.stats[vim];
    const seq = sequences[vim] ?? [];
    if (stats && Object.keys(stats).length) {
      out.push(statsTable(stats, seq, vim));
      const verdict = dominantVerdict(stats, seq);
      // The diagnosis says the same with its confidence interval; the short verdict otherwise.
      if (
        verdict &&
        !result.diagnosis.some((d) => d.kind === 'dominant' && (d.evidence as { vim?: string })?.vim === vim)
      )
        out.push(verdict);
    }
    if (opts.requests && reqs.length) {
      out.push('');
      out.push(requestRows(reqs, [...seq, 'total']));
      if (reqs.some((r) => Object.values(r.phases).some((p) => p.approx)))
        out.push('~ approximate: a substitute observation was used (see JSON for which)');
    }
    const avail = result.availability[vim] ?? {};
    const approx = Object.entries(avail).filter(([, a]) => a.approx > 0);
    const unavailable = Object.entries(avail).filter(([p, a]) => a.exact + a.approx === 0 && seq.includes(p));
    if (approx.length) {
      const vias = approx.map(
        ([p, a]) => `${p} (${a.approx}/${reqs.length}, via ${visible(a.substitutes.join('; '))})`,
      );
      out.push(`approximate from this vantage point: ${vias.join(', ')}`);
    }
    if (unavailable.length) out.push(`unavailable from this capture: ${unavailable.map(([p]) => p).join(', ')}`);
    const incomplete = reqs.filter((r) => !r.complete);
    for (const r of incomplete.slice(0, 10)) {
      const why = r.reason ?? Object.values(r.absent).find((v) => v.includes(' is inside TLS on '));
      out.push(
        `incomplete ${visible(r.id)}: missing ${visible(r.missing.join(', '))}${why ? ` — ${printable(why)}` : ''}`,
      );
    }
    if (incomplete.length > 10) out.push(`… and ${incomplete.length - 10} more incomplete requests`);
  }
  for (const [host, c] of Object.entries(result.clocks))
    out.push(
      `clock ${visible(host)}: offset ${c.offsetMs.toFixed(3)} ms ± ${c.uncertaintyMs.toFixed(3)} (${c.source})`,
    );
  if (result.diagnosis.length) {
    out.push('\ndiagnosis:');
    for (const d of result.diagnosis) out.push(`  - ${printable(d.text)}`);
  }
  if (result.warnings.length) {
    out.push(`\n${result.warnings.length} warning(s):`);
    for (const w of result.warnings.slice(0, 20)) out.push(`  ${printable(w)}`);
    if (result.warnings.length > 20) out.push(`  … ${result.warnings.length - 20} more (see --format json)`);
  }
  return out.join('\n') + '\n';
}
