/**
 * Which AMQP bodies some capture worker has decoded already, shared by all of them
 * (captureWorker.ts): a delivery whose body was decoded by another worker — its publish is
 * usually on another connection, so another worker's — is sent undecoded, with its body, and
 * the main thread finds the message it already has (OsloCorrelator's same-body lookup)
 * instead of every worker decoding every copy. Lossy on purpose: a slot holds the last body
 * that hashed to it, and a wrong answer costs only time (the main thread decodes a body it
 * has not seen), never a different result.
 */

/** Slots (two Int32 each: fingerprint, length + 1). */
const slots = 1 << 16;

export function decodedBodiesBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(slots * 2 * 4);
}

export class DecodedBodies {
  private readonly table: Int32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.table = new Int32Array(buffer);
  }

  private slot(fingerprint: number, bodyLength: number): number {
    return ((fingerprint ^ Math.imul(bodyLength, 0x9e3779b1)) & (slots - 1)) * 2;
  }

  add(fingerprint: number, bodyLength: number): void {
    const at = this.slot(fingerprint, bodyLength);
    Atomics.store(this.table, at, fingerprint | 0);
    Atomics.store(this.table, at + 1, (bodyLength + 1) | 0);
  }

  has(fingerprint: number, bodyLength: number): boolean {
    const at = this.slot(fingerprint, bodyLength);
    return (
      Atomics.load(this.table, at) === (fingerprint | 0) && Atomics.load(this.table, at + 1) === ((bodyLength + 1) | 0)
    );
  }
}
