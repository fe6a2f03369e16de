/**
 * Bytes as latin1 text without a copy, on any Uint8Array (not only a Buffer).
 * Relies on `Buffer.prototype.latin1Slice`, a Node internal that is not documented (present
 * in every Node release the project supports): the documented `buf.toString('latin1', …)` needs
 * a Buffer, and wrapping each Uint8Array in one costs an object per call on the hot paths.
 */
const latin1Slice = (
  Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }
).latin1Slice;

/** The bytes `[start, end)` of `bytes` as latin1 text (ASCII, on checked-ASCII input). */
export const latin1Text = (bytes: Uint8Array, start: number, end: number): string =>
  latin1Slice.call(bytes, start, end);
