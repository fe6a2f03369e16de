/**
 * A connection idle for more than the idle limit (ten minutes) that resumes with its
 * sequence numbers continuing is one connection (as tshark keeps it), and a message that
 * spans the quiet time is one message: its parser waits, it does not start afresh
 * mid-stream. Capture built with the test helpers; tshark reads the same request whole.
 */
import { describe, expect, it } from 'vitest';
import { listMessages } from '../../src/pipeline/analyse.js';
import { TcpConversation } from '../helpers/tcpConversation.js';
import { epochSec, ms } from '../helpers/netEvents.js';
import { pcap } from '../helpers/pcapWriter.js';
import { tempFile } from '../helpers/captureRecords.js';
import { wiresharkField } from '../helpers/sharkd.js';

const elevenMinutes = 660;

/** A job registration to Nomad's API whose body's second half comes eleven minutes after the first. */
function registrationAcrossIdle(): string {
  const c = new TcpConversation({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', 4646] });
  const body = '{"Job":{"ID":"web-across-idle","Name":"web"}}';
  const half = 20;
  const reply = '{"EvalID":"8a1b2c3d-0000-4000-8000-000000000001","EvalCreateIndex":7,"JobModifyIndex":7,"Index":7}';
  const segs = [
    ...c.handshake(),
    c.send(
      0,
      `PUT /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, half)}`,
    ),
    c.ack(1),
    c.send(0, body.slice(half)),
    c.send(1, `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${reply.length}\r\n\r\n${reply}`),
    c.fin(0),
    c.fin(1),
    c.ack(0),
  ];
  const resumeAt = 5; // the second half of the body
  const frames = segs.map((s, i) => ({
    sec: epochSec + (i >= resumeAt ? elevenMinutes : 0),
    nsec: i * ms,
    data: c.frame(s),
  }));
  return tempFile('registration-across-idle.pcap', pcap(frames));
}

describe('a message across an idle resume', () => {
  it('is parsed whole, as Wireshark parses it', async () => {
    const file = registrationAcrossIdle();
    expect(await wiresharkField(file, 'http.request.method', 'http.request')).toEqual(['PUT']);
    const messages = await listMessages(file);
    expect(messages.map((m) => [m.vim, m.name, m.status])).toEqual([['nomad', 'PUT /v1/jobs', 200]]);
    expect(messages[0].ids).toMatchObject({ job: 'web-across-idle', eval: '8a1b2c3d-0000-4000-8000-000000000001' });
    // The request took the eleven minutes: its first and last bytes are on either side of the quiet time.
    expect(messages[0].ms).toBeGreaterThan(elevenMinutes * 1000);
  });
});
