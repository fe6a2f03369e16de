/**
 * Writes small capture files for fixture tests: classic pcap and pcapng, byte for byte
 * as pcap-savefile(5) and the pcapng draft describe them, so tests can state exactly
 * what is in the file (byte order, resolution, offsets, odd block types, a cut record).
 */

/** A captured frame with its absolute time (seconds + nanoseconds). */
export interface Frame {
  sec: number;
  nsec: number;
  data: Uint8Array;
  /** Length on the wire (default: data.length). */
  origLen?: number;
}

export interface PcapOptions {
  littleEndian?: boolean;
  /** Nanosecond magic a1b23c4d instead of a1b2c3d4 (µs). */
  nano?: boolean;
  linkType?: number;
  snaplen?: number;
  /** Cut this many bytes off the end of the file (a capture killed mid-write). */
  truncateBy?: number;
  /** File format version (default 2.4). */
  version?: [major: number, minor: number];
  /** Record lengths in the order of pcap before 2.3: orig_len, then incl_len. */
  lengthsSwapped?: boolean;
}

/**
 * Little byte sink with explicit byte order. Payloads are kept as chunks (not byte by
 * byte) so that re-writing a whole shared capture (tens of MB, the fuzzer) stays fast.
 */
class Bytes {
  private chunks: Uint8Array[] = [];
  private small: number[] = [];
  private size = 0;
  constructor(public le: boolean) {}
  private flush(): void {
    if (this.small.length) this.chunks.push(Uint8Array.from(this.small));
    this.small = [];
  }
  u8(v: number): this {
    this.small.push(v & 0xff);
    this.size++;
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v).u8(v >>> 8) : this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.le ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }
  u64(v: bigint): this {
    const lo = Number(BigInt.asUintN(64, v) & 0xffffffffn),
      hi = Number(BigInt.asUintN(64, v) >> 32n);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  bytes(b: Uint8Array): this {
    this.flush();
    this.chunks.push(b);
    this.size += b.length;
    return this;
  }
  pad4(): this {
    while (this.size % 4) this.u8(0);
    return this;
  }
  get length(): number {
    return this.size;
  }
  done(): Uint8Array {
    this.flush();
    return concat(this.chunks);
  }
}

/** Classic pcap, written into one array sized first (the hostile captures hold hundreds of thousands of frames). */
export function pcap(frames: Frame[], o: PcapOptions = {}): Uint8Array {
  const le = o.littleEndian ?? true;
  let size = 24;
  for (const f of frames) size += 16 + f.data.length;
  const out = new Uint8Array(size);
  // setUint32 keeps a value's low 32 bits, as Bytes.u32 does.
  const v = new DataView(out.buffer);
  v.setUint32(0, o.nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, o.version?.[0] ?? 2, le);
  v.setUint16(6, o.version?.[1] ?? 4, le);
  v.setUint32(16, o.snaplen ?? 65535, le);
  v.setUint32(20, o.linkType ?? 1, le);
  let at = 24;
  for (const f of frames) {
    const frac = o.nano ? f.nsec : Math.floor(f.nsec / 1000);
    const [first, second] = o.lengthsSwapped
      ? [f.origLen ?? f.data.length, f.data.length]
      : [f.data.length, f.origLen ?? f.data.length];
    v.setUint32(at, f.sec, le);
    v.setUint32(at + 4, frac, le);
    v.setUint32(at + 8, first, le);
    v.setUint32(at + 12, second, le);
    out.set(f.data, at + 16);
    at += 16 + f.data.length;
  }
  return out.subarray(0, out.length - (o.truncateBy ?? 0));
}

/** pcapng blocks, written in the byte order of the section they are in. */
export type PcapngBlock =
  | { kind: 'section'; littleEndian: boolean; version?: [major: number, minor: number] }
  | {
      kind: 'interface';
      linkType: number;
      snaplen?: number;
      /** Raw if_tsresol byte: 6 = µs, 9 = ns, 0x80|n = 2^-n s. */
      tsresol?: number;
      /** if_tsoffset in seconds. */
      tsoffset?: number;
      name?: string;
      /** if_fcslen: bytes of FCS at the end of each frame. */
      fcslen?: number;
    }
  | { kind: 'enhanced'; iface: number; ts: bigint; data: Uint8Array; origLen?: number }
  | { kind: 'simple'; data: Uint8Array; origLen?: number }
  | { kind: 'obsolete'; iface: number; ts: bigint; data: Uint8Array; origLen?: number }
  | { kind: 'other'; type: number; body: Uint8Array };

const blockType = { section: 0x0a0d0d0a, interface: 1, obsolete: 2, simple: 3, enhanced: 6 } as const;

export function pcapng(blocks: PcapngBlock[], o: { truncateBy?: number } = {}): Uint8Array {
  const out: Uint8Array[] = [];
  let le = true;
  for (const b of blocks) {
    if (b.kind === 'section') le = b.littleEndian;
    const body = new Bytes(le);
    let type: number;
    switch (b.kind) {
      case 'section':
        type = blockType.section;
        body
          .u32(0x1a2b3c4d)
          .u16(b.version?.[0] ?? 1)
          .u16(b.version?.[1] ?? 0)
          .u64(-1n); // section length unknown
        break;
      case 'interface': {
        type = blockType.interface;
        body
          .u16(b.linkType)
          .u16(0)
          .u32(b.snaplen ?? 0);
        const option = (code: number, value: Uint8Array) => body.u16(code).u16(value.length).bytes(value).pad4();
        if (b.name !== undefined) option(2, new TextEncoder().encode(b.name));
        if (b.tsresol !== undefined) option(9, Uint8Array.of(b.tsresol));
        if (b.tsoffset !== undefined) option(14, new Bytes(le).u64(BigInt(b.tsoffset)).done());
        if (b.fcslen !== undefined) option(13, Uint8Array.of(b.fcslen));
        if (b.name !== undefined || b.tsresol !== undefined || b.tsoffset !== undefined || b.fcslen !== undefined)
          body.u16(0).u16(0);
        break;
      }
      case 'enhanced':
      case 'obsolete':
        type = blockType[b.kind];
        if (b.kind === 'enhanced') body.u32(b.iface);
        else body.u16(b.iface).u16(0); // drops count
        body
          .u32(Number(b.ts >> 32n))
          .u32(Number(b.ts & 0xffffffffn))
          .u32(b.data.length)
          .u32(b.origLen ?? b.data.length);
        body.bytes(b.data).pad4();
        break;
      case 'simple':
        type = blockType.simple;
        body
          .u32(b.origLen ?? b.data.length)
          .bytes(b.data)
          .pad4();
        break;
      case 'other':
        type = b.type;
        body.bytes(b.body).pad4();
        break;
    }
    const total = body.length + 12;
    const head = new Bytes(le).u32(type).u32(total).done();
    out.push(head, body.done(), new Bytes(le).u32(total).done());
  }
  const all = concat(out);
  return all.subarray(0, all.length - (o.truncateBy ?? 0));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const r = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    r.set(p, o);
    o += p.length;
  }
  return r;
}
