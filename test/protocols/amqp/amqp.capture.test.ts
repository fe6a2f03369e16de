/**
 * The AMQP parser on the shared Nova captures: method counts must equal tshark's
 * (each capture's README.md, "AMQP (amqp.method.class/amqp.method.method)").
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METHOD_TABLE } from '../../../src/protocols/amqp/spec.js';
import { capturePath, sharedFile } from '../../helpers/groundTruth.js';
import { parseAmqpCapture } from './amqpCapture.js';

const cases = ['nova-seq', 'nova-burst', 'nova-net'];

/** tshark's reference numbers from the README: Basic.Publish/Deliver/Ack and all methods by "class.method". */
function readmeCounts(name: string) {
  const readme = readFileSync(sharedFile(name, 'README.md'), 'utf8');
  // nova-seq/burst: "AMQP (`amqp.method.class`…): … all method frames by class.method: {…}"; nova-net: "AMQP: … method frames by class.method: {…}".
  const line = /AMQP(?: \(`amqp\.method\.class`|:)[\s\S]*?method frames by class\.method: (\{[^}]*\})/.exec(readme);
  if (!line) throw new Error('README has no AMQP reference counts');
  const all = JSON.parse(line[1].replace(/'/g, '"')) as Record<string, number>;
  const pick = (re: RegExp) => Number(re.exec(line[0])![1]);
  return {
    publish: pick(/Basic\.Publish \(60\.40\) \*\*(\d+)\*\*/),
    deliver: pick(/Basic\.Deliver \(60\.60\) \*\*(\d+)\*\*/),
    ack: pick(/Basic\.Ack \(60\.80\) (\d+)/),
    connections: pick(/AMQP TCP connections (\d+)/),
    all,
  };
}

for (const name of cases) {
  describe(`AMQP on ${name}`, () => {
    it("method counts equal tshark's", async () => {
      const ref = readmeCounts(name);
      const { methods, messages, ctx } = await parseAmqpCapture(capturePath(name));
      const byName = (n: string) => methods.filter((m) => m.name === n).length;
      expect(byName('Basic.Publish')).toBe(ref.publish);
      expect(byName('Basic.Deliver')).toBe(ref.deliver);
      expect(byName('Basic.Ack')).toBe(ref.ack);
      const byNumber: Record<string, number> = {};
      for (const m of methods)
        byNumber[`${m.classId}.${m.methodId}`] = (byNumber[`${m.classId}.${m.methodId}`] ?? 0) + 1;
      expect(byNumber).toEqual(ref.all);
      // Names come from the spec table, not from the numbers we compared.
      for (const key of Object.keys(ref.all)) {
        const [cl, me] = key.split('.').map(Number);
        expect(METHOD_TABLE.get((cl << 16) | me)?.name, key).toBeDefined();
      }
      // tshark counts a connection that carried only heartbeats too.
      expect(ctx.counters.amqp.connectionsWithFrames).toBe(ref.connections);
      // Every content method of the capture was assembled into a whole message.
      expect(messages.filter((m) => m.method === 'Basic.Publish').length).toBe(ref.publish);
      expect(messages.filter((m) => m.method === 'Basic.Deliver').length).toBe(ref.deliver);
      expect(messages.every((m) => !m.bodyTruncated && m.body.length === m.bodySize)).toBe(true);
      expect(ctx.counters.amqp.badFrameEnd ?? 0).toBe(0);
      expect(ctx.counters.amqp.oversizeFrames ?? 0).toBe(0);
    });
  });
}
