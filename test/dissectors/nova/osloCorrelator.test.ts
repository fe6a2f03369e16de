import { describe, expect, it } from 'vitest';
import { OsloCorrelator, novaRpcMessage } from '../../../src/dissectors/nova/osloCorrelator.js';
import { amqp, connection, context, novaObject } from './osloWire.js';

const U1 = 'b956784b-1e94-4804-8591-9ca1c98c8560';
const ms = 1_000_000;

// Who talks to the broker 10.98.0.4 in these specs.
const apiPub = connection('10.98.0.1', 51212);
const conductorPub = connection('10.98.0.1', 51586);
const conductorSub = connection('10.98.0.1', 45088);
const schedulerSub = connection('10.98.0.1', 45080);
const schedulerSub2 = connection('10.98.0.1', 45068);
const computePub = connection('10.98.0.2', 45234);
const computeSub = connection('10.98.0.2', 45246);

describe('OsloCorrelator', () => {
  it("reuses a publish's decoding only for a delivery of the very same bytes", () => {
    const call = { method: 'object_action', _msg_id: 'M9', _reply_q: 'reply_Q', _unique_id: 'U-same', args: {} };
    // Same unique id, other bytes (no reply queue: a cast): must be decoded on its own.
    const impostor = { method: 'object_action', _msg_id: 'M9', _unique_id: 'U-same', args: {} };
    const c = new OsloCorrelator();
    c.message(amqp(conductorPub, 'publish', 'nova', 'conductor', call, 1 * ms));
    c.message(amqp(conductorSub, 'deliver', 'nova', 'conductor', call, 2 * ms));
    c.message(amqp(conductorSub, 'deliver', 'nova', 'conductor', impostor, 3 * ms));
    expect(c.counters).toMatchObject({ 'call.published': 1, 'call.delivered': 1, 'cast.delivered': 1 });
  });

  it("joins a call's publish and delivery with its reply's publish and delivery", () => {
    const call = {
      method: 'select_destinations',
      _msg_id: 'M1',
      _reply_q: 'reply_Q',
      _unique_id: 'U-call',
      args: { instance_uuids: [U1] },
      ...context,
    };
    const reply = { result: [], failure: null, ending: true, _msg_id: 'M1', _unique_id: 'U-reply' };
    const c = new OsloCorrelator();
    // Deliveries may be fed before the publish (connections are parsed independently).
    c.message(amqp(schedulerSub, 'deliver', 'nova', 'scheduler', call, 12 * ms, 13 * ms));
    c.message(amqp(conductorPub, 'publish', 'nova', 'scheduler', call, 10 * ms, 11 * ms));
    c.message(amqp(schedulerSub, 'publish', '', 'reply_Q', reply, 50 * ms, 51 * ms));
    c.message(amqp(conductorSub, 'deliver', '', 'reply_Q', reply, 52 * ms, 54 * ms));
    const [ev, ...rest] = c.end();
    expect(rest).toEqual([]);
    expect(ev).toMatchObject({
      kind: 'rpc-call',
      method: 'select_destinations',
      topic: 'scheduler',
      fanout: false,
      exchange: 'nova',
      routingKey: 'scheduler',
      msgId: 'M1',
      uniqueId: 'U-call',
      requestId: context._context_request_id,
      ids: { server: U1, request: context._context_request_id },
      publish: { first: 10 * ms, last: 11 * ms, src: '10.98.0.1:51586', dst: '10.98.0.4:5672', conn: conductorPub.id },
      deliveries: [
        { first: 12 * ms, last: 13 * ms, src: '10.98.0.4:5672', dst: '10.98.0.1:45080', conn: schedulerSub.id },
      ],
      reply: {
        parts: 1,
        publish: { first: 50 * ms, src: '10.98.0.1:45080' },
        deliveries: [{ last: 54 * ms, dst: '10.98.0.1:45088' }],
      },
    });
    expect(ev.server).toBeUndefined();
    expect(novaRpcMessage(ev)).toEqual({
      t: 10 * ms,
      vim: 'nova',
      type: 'rpc-call',
      name: 'select_destinations',
      service: 'nova-scheduler',
      src: '10.98.0.1:51586',
      dst: '10.98.0.1:45080',
      ms: 44,
      ids: { server: U1, request: context._context_request_id },
    });
    expect(JSON.stringify(ev)).not.toContain('gAAAAAB');
  });

  it('keeps every delivery of a fanout cast', () => {
    const cast = {
      method: 'update_instance_info',
      _unique_id: 'U-f',
      args: { instance_info: novaObject('InstanceList', { objects: [novaObject('Instance', { uuid: U1 })] }) },
    };
    const c = new OsloCorrelator();
    c.message(amqp(computePub, 'publish', 'scheduler_fanout', '', cast, 1 * ms));
    c.message(amqp(schedulerSub2, 'deliver', 'scheduler_fanout', '', cast, 3 * ms, 4 * ms));
    c.message(amqp(schedulerSub, 'deliver', 'scheduler_fanout', '', cast, 2 * ms, 5 * ms));
    const [ev] = c.end();
    expect([ev.kind, ev.topic, ev.fanout, ev.server, ev.ids.server]).toEqual([
      'rpc-cast',
      'scheduler',
      true,
      undefined,
      U1,
    ]);
    expect(ev.deliveries.map((d) => d.dst)).toEqual(['10.98.0.1:45080', '10.98.0.1:45068']);
    // A cast lasts from its publish to the end of its first delivery.
    expect(novaRpcMessage(ev).ms).toBe(4);
  });

  it('names the compute host of a directed cast, and its consumer', () => {
    const cast = {
      method: 'build_and_run_instance',
      _unique_id: 'U-b',
      args: { instance: novaObject('Instance', { uuid: U1 }), admin_password: 'pw-SECRET' },
    };
    const c = new OsloCorrelator();
    c.message(amqp(conductorPub, 'publish', 'nova', 'compute.compute1', cast, 7 * ms));
    c.message(amqp(computeSub, 'deliver', 'nova', 'compute.compute1', cast, 9 * ms));
    const [ev] = c.end();
    expect([ev.topic, ev.server, ev.deliveries[0].dst]).toEqual(['compute', 'compute1', '10.98.0.2:45246']);
    expect(novaRpcMessage(ev).service).toBe('nova-compute');
    expect(JSON.stringify(ev)).not.toContain('pw-SECRET');
  });

  it('matches a notification by routing key and message_id when it has no _unique_id', () => {
    const n = {
      message_id: 'N1',
      publisher_id: 'compute.compute1',
      event_type: 'compute.instance.create.end',
      priority: 'INFO',
      payload: { instance_id: U1 },
      timestamp: '2026-11-25 05:37:59.297264',
    };
    const c = new OsloCorrelator();
    c.message(amqp(computePub, 'publish', 'nova', 'notifications.info', n, 1 * ms));
    c.message(amqp(computePub, 'publish', 'nova', 'versioned_notifications.info', n, 2 * ms));
    c.message(amqp(conductorSub, 'deliver', 'nova', 'notifications.info', n, 3 * ms, 3 * ms));
    const evs = c.end();
    expect(evs.map((e) => [e.kind, e.topic, e.priority, e.deliveries.length])).toEqual([
      ['notification', 'notifications', 'INFO', 1],
      ['notification', 'versioned_notifications', 'INFO', 0],
    ]);
    expect(evs[0].notificationTimestampUs).toBe(Date.UTC(2026, 10, 25, 5, 37, 59) * 1000 + 297264);
    expect(novaRpcMessage(evs[1])).toMatchObject({
      type: 'notification',
      name: 'compute.instance.create.end',
      service: 'versioned_notifications',
      ms: null,
      dst: '10.98.0.4:5672',
    });
  });

  it("a multi-part reply keeps the last part's times, counts its parts, and carries a failure", () => {
    const call = { method: 'object_action', _msg_id: 'M2', _reply_q: 'reply_Q', _unique_id: 'U-c2', args: {} };
    const c = new OsloCorrelator();
    c.message(amqp(computePub, 'publish', 'nova', 'conductor', call, 1 * ms));
    c.message(amqp(conductorSub, 'publish', '', 'reply_Q', { result: 'a', _msg_id: 'M2', _unique_id: 'R1' }, 5 * ms));
    c.message(
      amqp(
        conductorSub,
        'publish',
        '',
        'reply_Q',
        {
          result: null,
          failure: '{"class": "ValueError", "message": "boom"}',
          ending: true,
          _msg_id: 'M2',
          _unique_id: 'R2',
        },
        8 * ms,
      ),
    );
    c.message(
      amqp(computeSub, 'deliver', '', 'reply_Q', { result: 'a', _msg_id: 'M2', _unique_id: 'R1' }, 6 * ms, 6 * ms),
    );
    c.message(
      amqp(
        computeSub,
        'deliver',
        '',
        'reply_Q',
        {
          result: null,
          failure: '{"class": "ValueError", "message": "boom"}',
          ending: true,
          _msg_id: 'M2',
          _unique_id: 'R2',
        },
        9 * ms,
        10 * ms,
      ),
    );
    const [ev] = c.end();
    expect(ev.reply).toMatchObject({
      parts: 2,
      failure: 'ValueError: boom',
      publish: { first: 8 * ms },
      deliveries: [{ last: 10 * ms }],
    });
    expect(novaRpcMessage(ev)).toMatchObject({ ms: 9, status: 'ValueError: boom' });
  });

  it('counts calls without a reply, orphan replies, undecodable bodies and duplicate publishes', () => {
    const warnings: string[] = [];
    const c = new OsloCorrelator({ warn: (w) => warnings.push(w.message) });
    const call = { method: 'ping', _msg_id: 'M3', _reply_q: 'reply_Q', _unique_id: 'U3' };
    c.message(amqp(computePub, 'publish', 'nova', 'conductor', call, 1 * ms));
    c.message(amqp(computePub, 'publish', 'nova', 'conductor', call, 2 * ms));
    c.message(
      amqp(
        computeSub,
        'deliver',
        '',
        'reply_Q',
        { result: 1, ending: true, _msg_id: 'OTHER', _unique_id: 'R9' },
        3 * ms,
      ),
    );
    const junk = amqp(computePub, 'publish', 'nova', 'conductor', {}, 4 * ms);
    junk.body = new TextEncoder().encode('not json');
    c.message(junk);
    const evs = c.end();
    expect(evs.map((e) => [e.method, e.reply])).toEqual([['ping', undefined]]);
    expect(novaRpcMessage(evs[0]).ms).toBeNull();
    expect(c.counters).toMatchObject({ callsWithoutReply: 1, orphanReplies: 1, undecodable: 1, duplicatePublishes: 1 });
    expect(warnings).toEqual(['oslo.messaging: Basic.Publish on nova/conductor: body is not JSON']);
  });

  it('returns events in order of their first byte, publish or delivery', () => {
    const c = new OsloCorrelator();
    c.message(amqp(conductorPub, 'publish', 'nova', 'conductor', { method: 'b', _unique_id: 'B' }, 20 * ms));
    c.message(amqp(conductorSub, 'deliver', 'nova', 'conductor', { method: 'a', _unique_id: 'A' }, 10 * ms));
    c.message(amqp(apiPub, 'publish', 'nova', 'conductor', { method: 'c', _unique_id: 'C' }, 30 * ms));
    expect(c.end().map((e) => e.method)).toEqual(['a', 'b', 'c']);
  });
});
