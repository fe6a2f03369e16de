import { describe, expect, it } from 'vitest';
import { WireReader } from '../../../src/protocols/amqp/wireReader.js';
import { cat, field, longstr, shortstr, table, u16, u32, u8 } from './amqpWire.js';

const f64 = (v: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v);
  return b;
};
const f32 = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v);
  return b;
};
const read = (bytes: Uint8Array) => new WireReader(bytes, 0, bytes.length).table();

describe('field tables (RabbitMQ variant of AMQP 0-9-1)', () => {
  it('decodes every field type', () => {
    const t = read(
      table([
        ['t', field('t', u8(1))],
        ['b', field('b', u8(0xfe))],
        ['B', field('B', u8(0xfe))],
        ['s', field('s', u16(0xfffe))],
        ['U', field('U', u16(0x8000))],
        ['u', field('u', u16(0xfffe))],
        ['I', field('I', u32(0xfffffffe))],
        ['i', field('i', u32(0xfffffffe))],
        ['l', field('l', cat(u32(0xffffffff), u32(0xfffffffe)))],
        ['L', field('L', cat(u32(1), u32(2)))],
        ['big', field('L', cat(u32(0xffffffff), u32(0)))],
        ['f', field('f', f32(1.5))],
        ['d', field('d', f64(-2.25))],
        ['D', field('D', cat(u8(2), u32(12345)))],
        ['S', field('S', longstr('héllo'))],
        ['x', field('x', longstr(Uint8Array.of(0, 1, 2)))],
        [
          'A',
          field(
            'A',
            cat(u32(7), field('t', u8(0)), field('B', u8(9)), field('V', new Uint8Array(0)), field('b', u8(1))),
          ),
        ],
        ['T', field('T', cat(u32(0), u32(1700000000)))],
        ['F', field('F', table([['inner', field('S', longstr('v'))]]))],
        ['V', field('V', new Uint8Array(0))],
      ]),
    );
    expect({ ...t, F: { ...(t.F as object) } }).toEqual({
      t: true,
      b: -2,
      B: 254,
      s: -2,
      U: -32768,
      u: 65534,
      I: -2,
      i: 4294967294,
      l: -2,
      L: 2 ** 32 + 2,
      big: 0xffffffffn << 32n,
      f: 1.5,
      d: -2.25,
      D: 123.45,
      S: 'héllo',
      x: Uint8Array.of(0, 1, 2),
      A: [false, 9, null, 1],
      T: 1700000000,
      F: { inner: 'v' },
      V: null,
    });
  });

  it('refuses a table whose length runs past its buffer, an unknown type letter, and runaway nesting', () => {
    expect(() => read(cat(u32(100), shortstr('k')))).toThrow(/needs 100 bytes/);
    expect(() => read(table([['k', field('Q', u8(0))]]))).toThrow(/unknown field type 0x51/);
    let deep = table([]);
    for (let k = 0; k < 40; k++) deep = table([['n', field('F', deep)]]);
    expect(() => read(deep)).toThrow(/nested too deep/);
  });

  it('packs consecutive bits into one octet', () => {
    const r = new WireReader(Uint8Array.of(0b101, 7), 0, 2);
    expect([r.bit(), r.bit(), r.bit(), r.u8()]).toEqual([true, false, true, 7]);
  });
});
