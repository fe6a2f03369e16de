/**
 * What encryption hides, said in the result: the TLS connections seen (server name,
 * version, whether they were opened), and for each request whose API calls are missing
 * while undecrypted TLS traffic was flowing, which phase that costs and what would open it.
 */
import type { SessionClock } from '../capture/sessionClock.js';
import type { TlsConnectionSummary, TlsUndecryptedReason } from '../protocols/tls/types.js';
import { phaseModels } from '../timeline/phaseModel.js';
import type { RequestTimeline } from '../timeline/types.js';
import type { ResultTls } from '../result/types.js';

/** Milestones observed only in HTTP exchanges, which a TLS connection can hide. */
const httpMilestones: ReadonlySet<string> = new Set(['post', 'accepted', 'active', 'submit', 'submitted']);

/** How long before a request's first milestone its POST may have been sent (client to API to broker). */
const leadNs = 60e9;

const remedies: Record<TlsUndecryptedReason, string> = {
  'no key log given': 'pass --tls-keylog',
  'no key for this connection in the key log': 'the key log has no secrets for it',
  "records did not authenticate with the key log's secrets": "the key log's secrets do not open it",
  'cipher suite not decryptable (not AEAD)': 'its cipher suite (not AEAD) is not decrypted',
  'handshake not captured': 'its handshake was not captured',
  'record framing lost': 'its records were lost in the capture',
};

export function tlsResult(tls: readonly TlsConnectionSummary[], clock: SessionClock, digits: number): ResultTls {
  const iso = (ns: number | null) => (ns === null ? null : clock.iso(ns, digits));
  const unixNs = (ns: number | null) => (ns === null ? null : clock.unixNsText(ns, digits));
  return {
    connections: tls.map((c) => ({
      client: c.client,
      server: c.server,
      serverName: c.serverName,
      version: c.version,
      cipherSuite: c.cipherSuite,
      decrypted: c.decrypted,
      ...(c.reason ? { reason: c.reason } : {}),
      records: { ...c.records },
      applicationBytes: [...c.applicationBytes] as [number, number],
      firstApplication: iso(c.firstApplicationTs),
      firstApplicationUnixNs: unixNs(c.firstApplicationTs),
      lastApplication: iso(c.lastApplicationTs),
      lastApplicationUnixNs: unixNs(c.lastApplicationTs),
    })),
  };
}

/** Undecrypted TLS connections that carried application data, in time order. */
export function hidingConnections(tls: readonly TlsConnectionSummary[]): TlsConnectionSummary[] {
  return tls
    .filter((c) => !c.decrypted && c.firstApplicationTs !== null && c.reason !== undefined)
    .sort((a, b) => a.firstApplicationTs! - b.firstApplicationTs!);
}

/**
 * The absent phases of `r` that TLS explains: a phase bounded by an HTTP milestone that is
 * missing while an undecrypted connection carried data around the request's time.
 */
export function tlsAbsentReasons(
  r: RequestTimeline,
  hiding: readonly TlsConnectionSummary[],
): Record<string, string> | null {
  if (!hiding.length) return null;
  const end = Math.max(r.startNs, ...Object.values(r.phases).map((p) => p.endNs));
  const during = hiding.filter((c) => c.firstApplicationTs! <= end && c.lastApplicationTs! >= r.startNs - leadNs);
  if (!during.length) return null;
  const model = phaseModels[r.vim];
  const missingText = new Map(model.milestones.map((m) => [m.name, m.missing]));
  const servers = [...new Set(during.map((c) => c.server))];
  const where =
    servers.length > 3 ? `${servers.slice(0, 3).join(', ')} and ${servers.length - 3} more` : servers.join(', ');
  const remedy = [...new Set(during.map((c) => remedies[c.reason!]))].join('; ');
  const out: Record<string, string> = {};
  for (const p of model.phases) {
    if (!(p.name in r.absent)) continue;
    const hidden = [p.from, p.to].find(
      (m) => httpMilestones.has(m) && r.absent[p.name].includes(missingText.get(m) ?? m),
    );
    if (hidden) out[p.name] = `${missingText.get(hidden)} is inside TLS on ${where}; ${remedy}`;
  }
  return Object.keys(out).length ? out : null;
}
