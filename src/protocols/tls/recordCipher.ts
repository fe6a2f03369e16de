/**
 * Opens one direction's protected records (AEAD only), counting its sequence number:
 * TLS 1.2 AES-GCM (explicit 8-byte nonce, RFC 5288), TLS 1.2 ChaCha20-Poly1305 (RFC 7905)
 * and TLS 1.3 (RFC 8446 5.2, inner content type after the plaintext). A record that does
 * not authenticate returns null: nothing of it is used.
 */
import { createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import type { CipherSuite } from './constants.js';
import type { RecordKeys } from './keySchedule.js';

const tagBytes = 16;

export interface OpenedRecord {
  type: number;
  plaintext: Uint8Array;
}

export class RecordCipher {
  private seq = 0n;

  constructor(
    private readonly suite: CipherSuite,
    private readonly keys: RecordKeys,
    private readonly tls13: boolean,
  ) {}

  private seqBytes(): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(this.seq);
    return b;
  }

  /** XOR of the IV with the sequence number, left-padded (TLS 1.3, TLS 1.2 ChaCha20). */
  private xorNonce(): Buffer {
    const nonce = Buffer.from(this.keys.iv);
    const s = this.seqBytes();
    for (let i = 0; i < 8; i++) nonce[4 + i] ^= s[i];
    return nonce;
  }

  /** `header` is the 5-byte record header, `body` the record's payload. */
  open(header: Uint8Array, body: Uint8Array): OpenedRecord | null {
    const aead = this.suite.aead!;
    let nonce: Buffer, ciphertext: Uint8Array, aad: Buffer;
    if (this.tls13) {
      nonce = this.xorNonce();
      ciphertext = body;
      aad = Buffer.from(header);
    } else {
      const gcm = aead !== 'chacha20-poly1305';
      const explicit = gcm ? 8 : 0;
      if (body.length < explicit + tagBytes) return null;
      nonce = gcm ? Buffer.concat([this.keys.iv, body.subarray(0, 8)]) : this.xorNonce();
      ciphertext = body.subarray(explicit);
      const len = ciphertext.length - tagBytes;
      aad = Buffer.concat([this.seqBytes(), Buffer.from([header[0], header[1], header[2], len >> 8, len & 0xff])]);
    }
    this.seq++;
    if (ciphertext.length < tagBytes) return null;
    let plain: Buffer;
    try {
      const d = createDecipheriv(aead as CipherGCMTypes, this.keys.key, nonce, { authTagLength: tagBytes });
      d.setAAD(aad);
      d.setAuthTag(ciphertext.subarray(ciphertext.length - tagBytes));
      plain = Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - tagBytes)), d.final()]);
    } catch {
      return null;
    }
    if (!this.tls13) return { type: header[0], plaintext: plain };
    let end = plain.length;
    while (end > 0 && plain[end - 1] === 0) end--;
    if (end === 0) return null;
    return { type: plain[end - 1], plaintext: plain.subarray(0, end - 1) };
  }
}
