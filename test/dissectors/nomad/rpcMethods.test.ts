/**
 * The Nomad method table decodes only the keys its readers read: the events must be those
 * of decoding every body whole, and no secret key may be among the keys decoded.
 */
import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { reassembleTcp } from '../../../src/net/reassembleTcp.js';
import { defaultProtocolLimits, type ProtocolContext } from '../../../src/protocols/types.js';
import { MsgpackSelector, type MsgpackShape } from '../../../src/protocols/msgpackRpc/msgpackSelect.js';
import { MsgpackValueDecoder } from '../../../src/protocols/msgpackRpc/msgpackValue.js';
import { NomadRpcConnectionParser } from '../../../src/dissectors/nomad/nomadRpcConnectionParser.js';
import { nomadBodyPlan, nomadRpcMethods } from '../../../src/dissectors/nomad/rpcMethods.js';
import { nomadRpcEvent } from '../../../src/dissectors/nomad/rpcEvents.js';
import { nomadSecretKeys } from '../../../src/dissectors/nomad/secrets.js';
import { capturePath } from '../../helpers/groundTruth.js';

function keysOf(shape: MsgpackShape): string[] {
  if (shape === true || typeof shape === 'string') return [];
  if (Array.isArray(shape)) return keysOf(shape[0]);
  return Object.entries(shape).flatMap(([k, s]) => [k, ...keysOf(s)]);
}

async function events(name: string, fullBodies: boolean) {
  const ctx: ProtocolContext = { counters: {}, warn: () => {}, limits: defaultProtocolLimits };
  const out: ReturnType<typeof nomadRpcEvent>[] = [];
  await reassembleTcp(capturePath(name), (conn) =>
    conn.server.port === 4647
      ? new NomadRpcConnectionParser(conn, (ex) => out.push(nomadRpcEvent(ex)), ctx, { fullBodies })
      : null,
  );
  return { out, counters: ctx.counters['msgpack-rpc'] };
}

describe('Nomad RPC bodies decoded by the method table', () => {
  it('no shape names a secret key', () => {
    const named = Object.values(nomadRpcMethods)
      .flatMap((m) => [m.request?.[1], m.response?.[1]])
      .filter((s) => s !== undefined)
      .flatMap(keysOf);
    expect(named).toContain('ID');
    expect(named.filter((k) => nomadSecretKeys.has(k))).toEqual([]);
  });

  it('methods without a reader, and unknown methods, are not decoded', () => {
    expect(nomadBodyPlan('Status.Ping', 'request')).toBe('none');
    expect(nomadBodyPlan('Eval.Ack', 'response')).toBe('none');
    expect(nomadBodyPlan('Deployment.List', 'request')).toBe('none');
    expect(nomadBodyPlan('constructor', 'request')).toBe('none');
    expect(nomadBodyPlan('Node.UpdateAlloc', 'request')).not.toBe('none');
  });

  it('a registration with its secrets yields the node id and status only', () => {
    const body = encode({
      Node: { ID: 'node-1', SecretID: 'sec-1', Status: 'ready', Attributes: { 'vault.token': 'x' } },
      AuthToken: 'tok-1',
    });
    const plan = nomadBodyPlan('Node.Register', 'request');
    expect(
      new MsgpackSelector(new MsgpackValueDecoder(defaultProtocolLimits)).select(body, plan as MsgpackShape),
    ).toEqual({
      ok: true,
      value: { Node: { ID: 'node-1', Status: 'ready' } },
    });
  });

  it.each(['nomad-2016-stock', 'nomad-2016-tuned', 'nomad-modern'])(
    '%s: the same events as decoding every body whole',
    async (name) => {
      const whole = await events(name, true);
      const partial = await events(name, false);
      expect(partial.out.length).toBeGreaterThan(300);
      expect(partial.out.filter((e) => e.allocs?.some((a) => a.taskStates)).length).toBeGreaterThan(50);
      expect(partial.out).toEqual(whole.out);
      expect(partial.counters).toEqual(whole.counters);
    },
  );
});
