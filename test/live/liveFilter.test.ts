/**
 * live's default capture filter with Nomad's API on other ports (`--nomad-api-port`):
 * checked by libpcap's own compiler (tcpdump -d), which must accept it and match those ports.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { defaultLiveFilter, liveFilterFor } from '../../src/live/libpcapSource.js';

/** The BPF program tcpdump compiles from `filter` (link type Ethernet, no interface needed). */
const compiled = (filter: string) =>
  spawnSync('tcpdump', ['-d', '-y', 'EN10MB', '-i', 'lo', filter], { encoding: 'utf8' });

describe('live filter with Nomad API ports', () => {
  it('is the default without ports, and takes the ports given instead of 4646', () => {
    expect(liveFilterFor(undefined)).toBe(defaultLiveFilter);
    expect(liveFilterFor([])).toBe(defaultLiveFilter);
    const f = liveFilterFor([8646, 14646]);
    expect(f).toMatch(/\bport 8646 or port 14646\b/);
    expect(f).not.toMatch(/\bport 4646\b/);
    expect(f).toMatch(/\bport 4647\b/);
  });

  it('compiles with libpcap, testing the ports given (0x21c6 = 8646)', () => {
    const r = compiled(liveFilterFor([8646]));
    expect(r.stderr).not.toMatch(/syntax error|can't/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/#0x21c6\b/);
    expect(r.stdout).not.toMatch(/#0x1226\b/); // 4646
  });
});
