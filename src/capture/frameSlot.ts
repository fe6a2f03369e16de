/**
 * The record object a reader refills for every packet. It says where the frame lies in
 * the reader's chunk (`data[start, end)`) and makes the `bytes` view only when asked:
 * a typed-array view per packet was a third of what `info` allocated, and the net stage
 * reads the frame through the offsets.
 */
import type { PacketRecord } from './types.js';

const empty = new Uint8Array(0);

export class FrameSlot implements PacketRecord {
  ts = 0;
  linkType = 0;
  origLen = 0;
  iface = 0;
  frame = 0;
  /** The chunk holding the frame, and the frame's place in it. */
  data: Uint8Array = empty;
  start = 0;
  end = 0;

  get bytes(): Uint8Array {
    return this.data.subarray(this.start, this.end);
  }
}
