/**
 * senderRole: who sent a connection's first captured payload, from the bytes alone (the
 * net stage asks it when the handshake was not captured, before falling back to ports).
 */
import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { senderRole } from '../../src/protocols/guessProtocol.js';
import { concat } from '../helpers/pcapWriter.js';
import { text } from '../helpers/packetBuilder.js';

/** An AMQP method frame on channel 1 with `args` after class and method ids. */
const amqpMethod = (classId: number, methodId: number, args = new Uint8Array(0)) => {
  const payload = concat([Uint8Array.of(classId >> 8, classId, methodId >> 8, methodId), args]);
  const n = payload.length;
  return concat([Uint8Array.of(1, 0, 1, n >>> 24, n >>> 16, n >>> 8, n), payload, Uint8Array.of(0xce)]);
};

/** A yamux header: version 0, type, flags, stream id, length. */
const yamux = (type: number, flags: number, stream: number, length: number) =>
  Uint8Array.of(
    0,
    type,
    flags >> 8,
    flags,
    stream >>> 24,
    stream >>> 16,
    stream >>> 8,
    stream,
    length >>> 24,
    length >>> 16,
    length >>> 8,
    length,
  );

describe('senderRole', () => {
  it('reads HTTP request and response lines and the AMQP protocol header', () => {
    expect(senderRole(text('GET /v1/jobs HTTP/1.1\r\n'))).toBe('client');
    expect(senderRole(text('PUT /x HTTP/1.1\r\n'))).toBe('client');
    expect(senderRole(text('HTTP/1.1 200 OK\r\n'))).toBe('server');
    expect(senderRole(Uint8Array.of(0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1))).toBe('client');
  });

  it('reads AMQP methods only one side sends, checking the frame end', () => {
    expect(senderRole(amqpMethod(60, 40, new Uint8Array(8)))).toBe('client'); // Basic.Publish
    expect(senderRole(amqpMethod(60, 60, new Uint8Array(8)))).toBe('server'); // Basic.Deliver
    expect(senderRole(amqpMethod(10, 10))).toBe('server'); // Connection.Start
    expect(senderRole(amqpMethod(60, 80, new Uint8Array(9)))).toBeNull(); // Basic.Ack: both sides send it
    const broken = amqpMethod(60, 40, new Uint8Array(8));
    broken[broken.length - 1] = 0;
    expect(senderRole(broken)).toBeNull();
  });

  it('reads yamux stream opening and acceptance (clients open odd ids) and msgpack RPC headers', () => {
    expect(senderRole(yamux(1, 1, 5, 0))).toBe('client');
    expect(senderRole(yamux(1, 2, 5, 0))).toBe('server');
    expect(senderRole(yamux(0, 0, 5, 10))).toBeNull();
    const request = encode({ ServiceMethod: 'Node.GetClientAllocs', Seq: 7 });
    const response = encode({ ServiceMethod: 'Node.GetClientAllocs', Seq: 7, Error: '' });
    expect(senderRole(request)).toBe('client');
    expect(senderRole(response)).toBe('server');
    expect(senderRole(concat([yamux(0, 0, 5, response.length), response]))).toBe('server');
    expect(senderRole(concat([yamux(0, 0, 5, request.length), request]))).toBe('client');
  });

  it('says nothing of bytes that name no side', () => {
    expect(senderRole(text('{"oslo.version": "2.0"}'))).toBeNull();
    expect(senderRole(new Uint8Array(0))).toBeNull();
    expect(senderRole(Uint8Array.of(8, 0, 0, 0, 0, 0, 0, 0xce))).toBeNull(); // AMQP heartbeat
  });
});
