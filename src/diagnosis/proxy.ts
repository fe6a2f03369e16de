/**
 * A reverse proxy's own time, per backend: for calls seen on both legs (`via`), what the
 * proxy added (the caller's leg minus the backend leg). Stated only when it matters: a
 * median of at least MIN_MEDIAN_MS, or at least MIN_SHARE of the calls' time.
 */
import type { ResultDiagnosis } from '../result/types.js';
import type { ProxyEvidence } from '../result/diagnosisEvidence.js';
import type { Confidence, DiagnosisContext } from './types.js';

/** Fewest paired calls to a backend for a statement. */
export const MIN_CALLS = 3;
export const MIN_MEDIAN_MS = 1;
export const MIN_SHARE = 0.1;
/** Calls named in evidence per backend. */
const EXAMPLES = 3;

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];
const f2 = (x: number): string => x.toFixed(2);

export function detectProxyDelay(ctx: DiagnosisContext): ResultDiagnosis[] {
  const m = ctx.input.messages;
  const byBackend = new Map<
    string,
    { proxy: string; vim: string; added: number[]; shares: number[]; calls: number[] }
  >();
  for (let i = 0; i < m.length; i++) {
    const via = m.via(i);
    const ms = m.ms(i);
    if (!via || via.proxyMs === null || ms === null || ms <= 0) continue;
    const key = `${via.proxy} ${via.backend}`;
    let g = byBackend.get(key);
    if (!g) byBackend.set(key, (g = { proxy: via.proxy, vim: m.vim(i), added: [], shares: [], calls: [] }));
    g.added.push(via.proxyMs);
    g.shares.push(via.proxyMs / ms);
    g.calls.push(i);
  }
  const out: ResultDiagnosis[] = [];
  for (const [key, g] of byBackend) {
    if (g.added.length < MIN_CALLS) continue;
    const added = [...g.added].sort((a, b) => a - b),
      shares = [...g.shares].sort((a, b) => a - b);
    const medianMs = quantile(added, 0.5),
      share = quantile(shares, 0.5);
    if (medianMs < MIN_MEDIAN_MS && share < MIN_SHARE) continue;
    const backend = key.slice(key.indexOf(' ') + 1);
    const confidence: Confidence = g.added.length >= 20 ? 'high' : g.added.length >= 8 ? 'medium' : 'low';
    const slowest = [...g.calls].sort((a, b) => m.via(b)!.proxyMs! - m.via(a)!.proxyMs!).slice(0, EXAMPLES);
    const evidence: ProxyEvidence = {
      confidence,
      vim: g.vim,
      proxy: g.proxy,
      backend,
      calls: g.added.length,
      medianMs,
      p95Ms: quantile(added, 0.95),
      maxMs: added[added.length - 1],
      medianShare: share,
      slowest: slowest.map((i) => ({ ...ctx.ref(i), proxyMs: m.via(i)!.proxyMs! })),
    };
    out.push({
      kind: 'proxy',
      phase: 'total',
      host: g.proxy,
      evidence,
      text:
        `the proxy on ${g.proxy} adds a median ${f2(medianMs)} ms (p95 ${f2(evidence.p95Ms)} ms) to each of ` +
        `${g.added.length} calls it passes to ${backend}, ${(share * 100).toFixed(0)}% of their time — ` +
        `${confidence} confidence`,
    });
  }
  return out;
}
