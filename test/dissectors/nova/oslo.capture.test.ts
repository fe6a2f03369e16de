/**
 * oslo.messaging on the shared Nova captures: message counts must equal the README's
 * oslo.messaging tables (taken independently of vim-analyse), every select_destinations
 * call must meet its reply, every run's build_and_run_instance must reach the compute
 * host, and no secret may appear in anything emitted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OsloCorrelator, novaRpcMessage } from '../../../src/dissectors/nova/osloCorrelator.js';
import type { NovaRpcEvent } from '../../../src/dissectors/nova/types.js';
import type { DissectorWarning } from '../../../src/dissectors/types.js';
import { capturePath, runsOf, secretsOf, sharedFile } from '../../helpers/groundTruth.js';
import { parseAmqpCapture } from '../../protocols/amqp/amqpCapture.js';

const COMPUTE_HOST = '10.98.0.2';
const cases = ['nova-seq', 'nova-burst', 'nova-net'];

/** The README's oslo.messaging section: JSON blocks after their headings, and the reply line. */
function readmeOslo(name: string) {
  const readme = readFileSync(sharedFile(name, 'README.md'), 'utf8');
  // The headings differ a little between the captures' READMEs (nova-net's came from a newer script).
  const at = (headings: string[]) => {
    for (const h of headings) {
      const i = readme.indexOf(h);
      if (i >= 0) return i;
    }
    throw new Error(`README lacks "${headings[0]}"`);
  };
  const block = (...headings: string[]) => {
    const m = /```\n(\{[\s\S]*?\})\n```/.exec(readme.slice(at(headings)));
    return JSON.parse(m![1]) as Record<string, number>;
  };
  const dict = (...labels: string[]) => {
    for (const label of labels) {
      const m = new RegExp(`${label}: (\\{[^}]*\\})`).exec(readme);
      if (m) return JSON.parse(m[1].replace(/'/g, '"')) as Record<string, number>;
    }
    throw new Error(`README lacks "${labels[0]}"`);
  };
  const noneConsumed = /Notifications published by event_type \(none is consumed\)/.test(readme);
  return {
    published: block('RPC requests by Basic.Publish'),
    delivered: block('RPC requests as delivered', 'RPC requests delivered'),
    repliesPublished: Number(/RPC replies published: (\d+)/.exec(readme)![1]),
    answered: dict('calls answered by method', 'calls answered'),
    unanswered: dict('calls without a reply in the capture', 'unanswered in the capture'),
    notifications: block('Notifications by event_type', 'Notifications published by event_type'),
    notificationsDelivered: noneConsumed ? {} : dict('Notifications delivered'),
  };
}

function tally<T>(
  items: T[],
  key: (t: T) => string | undefined,
  weight: (t: T) => number = () => 1,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) {
    const k = key(it);
    const w = weight(it);
    if (k !== undefined && w > 0) out[k] = (out[k] ?? 0) + w;
  }
  return out;
}

async function analyse(path: string, secrets: string[]) {
  const warnings: DissectorWarning[] = [];
  const correlator = new OsloCorrelator({ warn: (w) => warnings.push(w) });
  // How many bodies carry a secret: shows the no-secret check below has something to find.
  let bodiesWithSecrets = 0;
  const utf8 = new TextDecoder();
  const amqp = await parseAmqpCapture(path, (m) => {
    const text = utf8.decode(m.body);
    if (secrets.some((s) => text.includes(s))) bodiesWithSecrets++;
    correlator.message(m);
  });
  const events = correlator.end();
  return { events, correlator, warnings, amqp, bodiesWithSecrets };
}

const rpcKey = (e: NovaRpcEvent) =>
  e.kind === 'notification' ? undefined : `${e.kind === 'rpc-call' ? 'call' : 'cast'} ${e.method}`;

for (const name of cases) {
  describe(`oslo.messaging on ${name}`, () => {
    // Read and parsed once, shared by the specs below; a missing file fails each of them.
    let cached: ReturnType<typeof load> | undefined;
    const load = async () => {
      const secrets = secretsOf(name);
      return { ref: readmeOslo(name), runs: runsOf(name), secrets, ...(await analyse(capturePath(name), secrets)) };
    };
    const result = () => (cached ??= load());

    it('RPC requests by publish and as delivered equal the README', async () => {
      const { events, ref } = await result();
      expect(
        tally(
          events.filter((e) => e.publish),
          rpcKey,
        ),
      ).toEqual(ref.published);
      expect(tally(events, rpcKey, (e) => e.deliveries.length)).toEqual(ref.delivered);
    });

    it('replies: published count, calls answered by method, none unanswered', async () => {
      const { events, correlator, ref } = await result();
      expect(correlator.counters['reply.published']).toBe(ref.repliesPublished);
      const calls = events.filter((e) => e.kind === 'rpc-call');
      expect(
        tally(
          calls.filter((e) => e.reply?.publish),
          (e) => e.method,
        ),
      ).toEqual(ref.answered);
      expect(
        tally(
          calls.filter((e) => !e.reply),
          (e) => e.method,
        ),
      ).toEqual(ref.unanswered);
      expect(correlator.counters.orphanReplies ?? 0).toBe(0);
    });

    it('notifications by event type, published and delivered, equal the README', async () => {
      const { events, ref } = await result();
      const notes = events.filter((e) => e.kind === 'notification');
      expect(
        tally(
          notes.filter((e) => e.publish),
          (e) => e.eventType,
        ),
      ).toEqual(ref.notifications);
      expect(
        tally(
          notes,
          (e) => e.eventType,
          (e) => e.deliveries.length,
        ),
      ).toEqual(ref.notificationsDelivered);
      expect(notes.every((e) => typeof e.notificationTimestampUs === 'number')).toBe(true);
    });

    it('every select_destinations call meets its reply, delivered back to the caller', async () => {
      const { events, runs } = await result();
      const sd = events.filter((e) => e.method === 'select_destinations');
      expect(sd.length).toBe(runs.length);
      for (const e of sd) {
        expect(e.kind).toBe('rpc-call');
        expect(e.reply?.publish, e.msgId).toBeDefined();
        expect(e.reply!.deliveries).toHaveLength(1);
        // The reply goes back to the host that published the call.
        expect(e.reply!.deliveries[0].dst.split(':')[0]).toBe(e.publish!.src.split(':')[0]);
        expect(e.reply!.deliveries[0].last).toBeGreaterThan(e.publish!.first);
        expect(novaRpcMessage(e).ms).toBeGreaterThan(0);
      }
    });

    it('one build_and_run_instance cast per run, delivered to the compute host', async () => {
      const { events, runs } = await result();
      const bari = events.filter((e) => e.method === 'build_and_run_instance');
      for (const { server_id: serverId, request_id: requestId } of runs) {
        const mine = bari.filter((e) => e.ids.server === serverId);
        expect(mine, serverId).toHaveLength(1);
        const [e] = mine;
        expect([e.kind, e.topic, e.requestId]).toEqual(['rpc-cast', 'compute', requestId]);
        expect(e.deliveries.map((d) => d.dst.split(':')[0])).toEqual([COMPUTE_HOST]);
        expect(e.deliveries[0].first).toBeGreaterThan(e.publish!.first);
      }
      expect(bari).toHaveLength(runs.length);
    });

    it('no secret in any event, message line or warning', async () => {
      const { events, warnings, amqp, bodiesWithSecrets, secrets } = await result();
      expect(secrets.length).toBeGreaterThan(0);
      expect(bodiesWithSecrets).toBeGreaterThan(100);
      const text = JSON.stringify({
        events,
        lines: events.map(novaRpcMessage),
        warnings,
        amqpWarnings: amqp.warnings,
        netWarnings: amqp.net.warnings,
        counters: amqp.ctx.counters,
      });
      for (const s of secrets) expect(text.includes(s), `secret ${s.slice(0, 4)}…`).toBe(false);
    });
  });
}
