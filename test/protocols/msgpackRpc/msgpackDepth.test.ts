/**
 * Deeply nested msgpack in a selected reply field: refused by a depth check before the
 * library decodes it (16 million nested arrays took 2.7 GB), legitimate nesting decoded.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { maxMsgpackDepth, nestsDeeperThan } from '../../../src/protocols/msgpackRpc/msgpackDepth.js';
import { MsgpackSelector } from '../../../src/protocols/msgpackRpc/msgpackSelect.js';
import { MsgpackValueDecoder } from '../../../src/protocols/msgpackRpc/msgpackValue.js';
import { defaultProtocolLimits } from '../../../src/protocols/types.js';

/** `[[[…0…]]]`, `depth` arrays deep. */
function nested(depth: number): Uint8Array {
  const b = new Uint8Array(depth + 1).fill(0x91);
  b[depth] = 0;
  return b;
}

/** A Nomad-like reply map `{Index: <value>, KnownLeader: true}`. */
function reply(index: Uint8Array): Uint8Array {
  const head = encode({ Index: 0 });
  // fixmap of 2: replace the 1-entry header, splice in the value, add the second entry
  const key = head.subarray(1, head.length - 1);
  const tail = encode({ KnownLeader: true }).subarray(1);
  const out = new Uint8Array(1 + key.length + index.length + tail.length);
  out[0] = 0x82;
  out.set(key, 1);
  out.set(index, 1 + key.length);
  out.set(tail, 1 + key.length + index.length);
  return out;
}

describe('msgpack nesting depth', () => {
  it('counts levels of arrays and maps, not bytes', () => {
    expect(nestsDeeperThan(nested(maxMsgpackDepth))).toBe(false);
    expect(nestsDeeperThan(nested(maxMsgpackDepth + 1))).toBe(true);
    const wide = encode(Array.from({ length: 1000 }, (_, i) => ({ a: [i, { b: 'x'.repeat(40) }] })));
    expect(nestsDeeperThan(wide)).toBe(false);
    let deepMaps: unknown = 1;
    for (let i = 0; i < 200; i++) deepMaps = { k: deepMaps, s: 'str' };
    expect(nestsDeeperThan(encode(deepMaps, { maxDepth: 1000 }))).toBe(true);
  });

  it('legitimate nesting still decodes; too deep is a decode error', () => {
    const d = new MsgpackValueDecoder(defaultProtocolLimits);
    expect(d.decode(nested(100))).toMatchObject({ ok: true });
    expect(d.decode(nested(100_000))).toEqual({
      ok: false,
      error: `containers nested deeper than ${maxMsgpackDepth} levels`,
    });
  });

  it('a selected reply field of nested arrays is refused, the reply read otherwise', () => {
    const s = new MsgpackSelector(new MsgpackValueDecoder(defaultProtocolLimits));
    expect(s.select(reply(encode(42)), { Index: true, KnownLeader: true })).toEqual({
      ok: true,
      value: { Index: 42, KnownLeader: true },
    });
    const r = s.select(reply(nested(1_000_000)), { Index: true, KnownLeader: true });
    expect(r.ok).toBe(false);
  });

  it('16 million nested arrays: refused within 100 MB of peak RSS (child process)', () => {
    const mod = resolve(__dirname, '../../../dist/src/protocols/msgpackRpc/msgpackValue.js');
    const limits = resolve(__dirname, '../../../dist/src/protocols/types.js');
    const script = `
      const { MsgpackValueDecoder } = await import(${JSON.stringify(mod)});
      const { defaultProtocolLimits } = await import(${JSON.stringify(limits)});
      const n = 16_000_000, b = new Uint8Array(n + 1).fill(0x91); b[n] = 0;
      const r = new MsgpackValueDecoder(defaultProtocolLimits).decode(b);
      // VmHWM: getrusage's maxRSS survives execve and would be the test runner's.
      const hwm = /VmHWM:\\s*(\\d+) kB/.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'))[1];
      process.stdout.write(JSON.stringify({ ok: r.ok, rss: Number(hwm) * 1024 }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout) as { ok: boolean; rss: number };
    expect(out.ok).toBe(false);
    expect(out.rss).toBeLessThan(100 * 1024 * 1024);
  });
});
