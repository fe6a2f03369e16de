import { describe, expect, it } from 'vitest';
import { captureInfo } from '../../src/pipeline/captureInfo.js';
import { capturePath } from '../helpers/groundTruth.js';

describe('captureInfo', () => {
  it('guesses each Nomad connection\'s protocol from port and first bytes', async () => {
    const info = await captureInfo(capturePath('nomad-modern'));
    expect(info.format).toBe('pcapng');
    expect(info.gzip).toBe(true);
    expect(info.tsPrecision).toBe(9);
    const byServer = Object.fromEntries(info.connections.map((c) => [c.server, c.protocol]));
    expect(byServer).toEqual({ '10.99.0.1:4647': 'nomad-rpc', '10.99.0.1:4646': 'http', '10.99.0.4:8080': 'http' });
  });

  it('labels AMQP and HTTP connections of a Nova capture', async () => {
    const info = await captureInfo(capturePath('nova-burst'));
    const amqp = info.connections.filter((c) => c.protocol === 'amqp');
    expect(amqp.length).toBe(26); // README: AMQP TCP connections 26
    expect(info.connections.every((c) => c.protocol !== 'other')).toBe(true);
  });
});
