/**
 * Decoding one complete msgpack object (its end already found by MsgpackObjectScanner).
 *
 * @msgpack/msgpack was chosen by measurement (docs/msgpack-choice.md). Options: int64 and
 * uint64 encodings become bigint (Nomad's Unix-nanosecond times do not fit a double;
 * go-msgpack writes small integers in the smallest type, so those stay numbers); every
 * length is capped at the message bound; str/raw types decode as UTF-8 strings and bin as
 * Uint8Array; a `__proto__` key is refused by the library (a decode error, not pollution).
 */
import { Decoder } from '@msgpack/msgpack';
import type { ProtocolLimits } from '../types.js';
import { maxMsgpackDepth, nestsDeeperThan } from './msgpackDepth.js';

export type MsgpackDecodeResult = { ok: true; value: unknown } | { ok: false; error: string };

/** One library decoder per limits object: every RPC stream direction needs one, and making one costs. */
const decoders = new WeakMap<ProtocolLimits, Decoder>();

export class MsgpackValueDecoder {
  private readonly decoder: Decoder;

  constructor(limits: ProtocolLimits) {
    const known = decoders.get(limits);
    if (known) {
      this.decoder = known;
      return;
    }
    const max = limits.maxFrameBytes;
    this.decoder = new Decoder({
      useBigInt64: true,
      maxStrLength: max,
      maxBinLength: max,
      maxArrayLength: max,
      maxMapLength: max,
      maxExtLength: max,
    });
    decoders.set(limits, this.decoder);
  }

  /** Never throws: a decode failure comes back as `{ ok: false, error }`. */
  decode(bytes: Uint8Array): MsgpackDecodeResult {
    if (nestsDeeperThan(bytes)) return { ok: false, error: `containers nested deeper than ${maxMsgpackDepth} levels` };
    try {
      return { ok: true, value: this.decoder.decode(bytes) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
}
