/**
 * The reason a phase is absent when its HTTP calls were inside undecrypted TLS: named on
 * the phases bounded by a missing HTTP milestone, only when such traffic flowed then.
 */
import { describe, expect, it } from 'vitest';
import { buildPhases } from '../../src/timeline/buildPhases.js';
import { novaPhaseModel } from '../../src/timeline/phaseModel.js';
import type { MilestoneSet, RequestTimeline } from '../../src/timeline/types.js';
import type { TlsConnectionSummary } from '../../src/protocols/tls/types.js';
import { hidingConnections, tlsAbsentReasons } from '../../src/pipeline/tlsHidden.js';

/** A Nova boot seen only through the broker (the POST and polls were not read). */
function brokerOnlyBoot(): RequestTimeline {
  const at = (s: number) => ({ t: s * 1e9, source: 'capture' as const, host: '10.98.0.1' });
  const milestones: MilestoneSet = new Map([
    ['schedule.publish', at(10)],
    ['select.reply.deliver', at(10.2)],
    ['build.deliver', at(10.3)],
    ['save.active.publish', at(14)],
  ]);
  const b = buildPhases(novaPhaseModel, milestones);
  return {
    vim: 'nova',
    id: 'srv',
    keys: {},
    complete: b.complete,
    missing: b.missing,
    phases: b.phases,
    absent: b.absent,
    startNs: 10e9,
    notes: [],
  };
}

function conn(over: Partial<TlsConnectionSummary>): TlsConnectionSummary {
  return {
    conn: 0,
    client: '10.98.0.50:40000',
    server: '10.98.0.10:8774',
    serverName: 'nova.example',
    version: 'TLS 1.3',
    cipherSuite: 'TLS_AES_128_GCM_SHA256',
    decrypted: false,
    reason: 'no key log given',
    records: { plain: 4, decrypted: 0, failed: 0, undecrypted: 9 },
    applicationBytes: [900, 4000],
    firstApplicationTs: 9.9e9,
    lastApplicationTs: 15e9,
    ...over,
  };
}

describe('tlsAbsentReasons', () => {
  it('names api, notification and total as inside TLS, with what to do', () => {
    const r = brokerOnlyBoot();
    expect(r.absent.api).toBe('no POST /v2.1/servers');
    const reasons = tlsAbsentReasons(r, hidingConnections([conn({})]))!;
    expect(reasons.api).toBe('POST /v2.1/servers is inside TLS on 10.98.0.10:8774; pass --tls-keylog');
    expect(reasons.notification).toBe(
      'GET /v2.1/servers/{id} answering ACTIVE is inside TLS on 10.98.0.10:8774; pass --tls-keylog',
    );
    expect(reasons.total).toMatch(/inside TLS on 10\.98\.0\.10:8774/);
    expect(Object.keys(reasons).sort()).toEqual(['api', 'api_latency', 'notification', 'total']);
  });

  it('says the key log does not open it when the records failed', () => {
    const reasons = tlsAbsentReasons(
      brokerOnlyBoot(),
      hidingConnections([conn({ reason: "records did not authenticate with the key log's secrets" })]),
    )!;
    expect(reasons.api).toBe(
      "POST /v2.1/servers is inside TLS on 10.98.0.10:8774; the key log's secrets do not open it",
    );
  });

  it('says nothing when the TLS traffic was at another time, or was decrypted', () => {
    expect(
      tlsAbsentReasons(
        brokerOnlyBoot(),
        hidingConnections([conn({ firstApplicationTs: 200e9, lastApplicationTs: 201e9 })]),
      ),
    ).toBeNull();
    expect(
      tlsAbsentReasons(brokerOnlyBoot(), hidingConnections([conn({ decrypted: true, reason: undefined })])),
    ).toBeNull();
  });
});
