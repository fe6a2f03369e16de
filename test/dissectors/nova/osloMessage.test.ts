import { describe, expect, it } from 'vitest';
import {
  decodeOsloMessage,
  failureText,
  parseOsloTimestamp,
  peekUniqueId,
} from '../../../src/dissectors/nova/osloMessage.js';
import { context, envelope, novaObject } from './osloWire.js';

const U1 = 'b956784b-1e94-4804-8591-9ca1c98c8560';
const U2 = 'e298b26a-cf42-4a25-b7d2-1ea754327161';
const decode = (inner: unknown) => {
  const r = decodeOsloMessage(envelope(inner));
  if (!r.ok) throw new Error(r.error);
  return r.message;
};

describe('decodeOsloMessage: classification and extraction', () => {
  it('a call: _msg_id and _reply_q', () => {
    const m = decode({
      method: 'select_destinations',
      namespace: 'compute_task',
      version: '4.25',
      _msg_id: 'm1',
      _reply_q: 'reply_q1',
      _unique_id: 'u1',
      args: { instance_uuids: [U1, U2], spec_obj: novaObject('RequestSpec', { instance_uuid: U1 }) },
      ...context,
    });
    expect(m).toEqual({
      kind: 'call',
      method: 'select_destinations',
      namespace: 'compute_task',
      version: '4.25',
      msgId: 'm1',
      replyQ: 'reply_q1',
      uniqueId: 'u1',
      requestId: context._context_request_id,
      instances: [U1, U2],
    });
  });

  it('a cast: neither _msg_id nor _reply_q; build request and instance uuids', () => {
    const sabi = decode({
      method: 'schedule_and_build_instances',
      _unique_id: 'u2',
      args: {
        build_requests: [
          novaObject('BuildRequest', { instance_uuid: U2 }),
          novaObject('BuildRequest', { instance_uuid: U1 }),
        ],
      },
    });
    expect([sabi.kind, sabi.instances]).toEqual(['cast', [U2, U1]]);
    const barI = decode({
      method: 'build_and_run_instance',
      _unique_id: 'u3',
      args: { instance: novaObject('Instance', { uuid: U1 }), admin_password: 'pw' },
    });
    expect([barI.kind, barI.instances]).toEqual(['cast', [U1]]);
  });

  it('object_action on an Instance: objmethod, vm_state and whether changes list it', () => {
    const save = (vm: string, changes: string[]) =>
      decode({
        method: 'object_action',
        _msg_id: 'm',
        _reply_q: 'r',
        _unique_id: 'u',
        args: {
          objinst: novaObject('Instance', { uuid: U1, vm_state: vm }, changes),
          objmethod: 'save',
          args: [],
          kwargs: {},
        },
      });
    expect(save('active', ['task_state', 'vm_state'])).toMatchObject({
      objmethod: 'save',
      objectName: 'Instance',
      vmState: 'active',
      changesVmState: true,
      instances: [U1],
    });
    expect(save('building', ['task_state'])).toMatchObject({ vmState: 'building', changesVmState: false });
  });

  it('a Service object has a uuid, but it is not an instance', () => {
    const m = decode({
      method: 'object_action',
      _unique_id: 'u',
      args: { objinst: novaObject('Service', { uuid: U1, host: 'compute1' }), objmethod: 'save' },
    });
    expect(m.instances).toEqual([]);
    expect(m.vmState).toBeUndefined();
  });

  it('a reply: result/failure/ending with _msg_id', () => {
    const ok = decode({ result: [1], failure: null, ending: true, _msg_id: 'm1', _unique_id: 'u9' });
    expect(ok).toEqual({ kind: 'reply', msgId: 'm1', uniqueId: 'u9', ending: true, instances: [] });
    const failed = decode({
      result: null,
      ending: true,
      _msg_id: 'm2',
      failure: JSON.stringify({
        class: 'NoValidHost',
        module: 'nova.exception',
        message: 'No valid host was found.',
        tb: ['Traceback…'],
      }),
    });
    expect(failed.failure).toBe('NoValidHost: No valid host was found.');
  });

  it('notifications, unversioned and versioned, with the publisher timestamp in Unix µs', () => {
    const unversioned = decode({
      message_id: 'n1',
      publisher_id: 'compute.compute1',
      event_type: 'compute.instance.create.end',
      priority: 'INFO',
      payload: { instance_id: U1 },
      timestamp: '2026-11-25 05:37:59.297264',
      _unique_id: 'u5',
    });
    expect(unversioned).toMatchObject({
      kind: 'notification',
      eventType: 'compute.instance.create.end',
      publisherId: 'compute.compute1',
      priority: 'INFO',
      messageId: 'n1',
      instances: [U1],
    });
    expect(unversioned.timestampUs).toBe(Date.UTC(2026, 10, 25, 5, 37, 59) * 1000 + 297264);
    const versioned = decode({
      message_id: 'n2',
      publisher_id: 'nova-compute:compute1',
      event_type: 'instance.create.end',
      priority: 'INFO',
      payload: novaObject('InstanceCreatePayload', { uuid: U2, request_id: 'req-x' }),
      timestamp: '2026-11-25 05:42:41.282696',
    });
    expect(versioned.instances).toEqual([U2]);
  });

  it('refuses what is not oslo JSON, without throwing', () => {
    expect(decodeOsloMessage(new TextEncoder().encode('{"oslo.version": "2.0", "oslo.message": "{bad'))).toEqual({
      ok: false,
      error: 'body is not JSON',
    });
    expect(decodeOsloMessage(Uint8Array.of(0xff, 0xfe, 0))).toMatchObject({ ok: false });
    expect(decodeOsloMessage(envelope({ hello: 1 }))).toMatchObject({ ok: false });
    expect(decodeOsloMessage(envelope([1, 2]))).toMatchObject({ ok: false });
  });
});

describe('decodeOsloMessage: secrets and hostile keys', () => {
  it('keeps none of the token, service catalog, admin password or credential URLs', () => {
    const m = decode({
      method: 'build_and_run_instance',
      _unique_id: 'u',
      ...context,
      args: {
        instance: novaObject('Instance', { uuid: U1 }),
        admin_password: 'adminPASSsecret',
        request_spec: novaObject('RequestSpec', {
          cell: novaObject('CellMapping', {
            transport_url: 'rabbit://vimo:rmqSECRET@10.98.0.4:5672/',
            database_connection: 'mysql+pymysql://vimo:dbSECRET@localhost/nova',
          }),
        }),
      },
    });
    const all = JSON.stringify(m);
    for (const secret of ['gAAAAABtokenSECRETtoken', 'catalogSECRET', 'adminPASSsecret', 'rmqSECRET', 'dbSECRET'])
      expect(all).not.toContain(secret);
    expect(m.instances).toEqual([U1]);
  });

  it('masks credentials inside failure text', () => {
    const f = failureText(
      JSON.stringify({
        class: 'OperationalError',
        message: "can't connect to mysql+pymysql://vimo:dbSECRET@localhost/nova and rabbit://u:p@h:5672/",
      }),
    );
    expect(f).toBe(
      "OperationalError: can't connect to mysql+pymysql://vimo:***@localhost/nova and rabbit://u:***@h:5672/",
    );
  });

  it('a `__proto__` key in the JSON pollutes nothing', () => {
    const body = new TextEncoder().encode(
      JSON.stringify({
        'oslo.version': '2.0',
        'oslo.message':
          '{"method": "m", "_unique_id": "u", "__proto__": {"polluted": true, "kind": "notification"}, "args": {"__proto__": {"instance_uuids": ["' +
          U1 +
          '"]}}}',
      }),
    );
    const r = decodeOsloMessage(body);
    expect(r).toEqual({ ok: true, message: { kind: 'cast', method: 'm', uniqueId: 'u', instances: [] } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseOsloTimestamp', () => {
  it.each([
    ['2026-11-25 05:37:59.297264', Date.UTC(2026, 10, 25, 5, 37, 59) * 1000 + 297264],
    ['2026-11-25T05:37:59Z', Date.UTC(2026, 10, 25, 5, 37, 59) * 1000],
    ['2026-11-25T05:37:59.5+00:00', Date.UTC(2026, 10, 25, 5, 37, 59) * 1000 + 500000],
    ['yesterday', undefined],
  ])('%s', (s, us) => expect(parseOsloTimestamp(s)).toBe(us));
});

describe('peekUniqueId', () => {
  it('finds _unique_id inside the escaped oslo.message string and in an unwrapped message', () => {
    expect(peekUniqueId(envelope({ method: 'x', args: { _unique_id: 'inner' }, _unique_id: 'abc123' }))).toBe('abc123');
    expect(
      peekUniqueId(
        new TextEncoder().encode(JSON.stringify({ method: 'x', _unique_id: 'def456' }, null, 1).replace(/\n\s*/g, ' ')),
      ),
    ).toBe('def456');
    expect(peekUniqueId(envelope({ method: 'x' }))).toBeUndefined();
  });
});
