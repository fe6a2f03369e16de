/**
 * LibpcapSource against the real `cap` binding on loopback: a process that opens and closes
 * captures and goes on running must not crash. `cap`'s close stops its libuv poll handle without
 * closing it, so a collected handle leaves freed memory linked into the event loop: without
 * libpcapSource.ts keeping each handle, the child below aborts ("double free or corruption"). The
 * child runs the built code (dist/src): build first, as `npm test` does.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capUnavailable } from '../helpers/capBinding.js';

const dist = resolve(__dirname, '../../dist/src');

// 50 captures (1 MiB rings) started and stopped, then collected, then handles made and closed on the loop (as a
// service does for hours): the loop walks its handle list through whatever a collected capture left there.
const child = `
import { LibpcapSource } from ${JSON.stringify(join(dist, 'live/libpcapSource.js'))};
import { SessionClock } from ${JSON.stringify(join(dist, 'capture/sessionClock.js'))};
import { createServer } from 'node:net';
for (let i = 0; i < 50; i++) {
  const s = new LibpcapSource({ iface: 'lo', filter: 'udp port 9', bufferBytes: 1 << 20 });
  s.start(new SessionClock(), () => {});
  s.stop();
}
globalThis.gc(); globalThis.gc();
for (let round = 0; round < 20; round++) {
  const servers = Array.from({ length: 200 }, () => createServer().listen(0, '127.0.0.1'));
  await new Promise((r) => setImmediate(r));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  globalThis.gc();
}
console.log('ran on');
`;

describe('LibpcapSource (cap on loopback)', () => {
  it('starts and stops captures in a process that runs on, without corrupting its heap', () => {
    expect(capUnavailable(), 'the cap binding (npm ci builds it against libpcap-dev)').toBeNull();
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', child], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect({ status: r.status, signal: r.signal, stdout: r.stdout.trim() }).toEqual({
      status: 0,
      signal: null,
      stdout: 'ran on',
    });
  });
});
