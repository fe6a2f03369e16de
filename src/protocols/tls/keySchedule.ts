/**
 * Record keys from key-log secrets: TLS 1.2's PRF (RFC 5246 5) expanding the master secret
 * into the key block, TLS 1.3's HKDF-Expand-Label (RFC 8446 7.1) on a traffic secret.
 */
import { createHmac } from 'node:crypto';
import type { CipherSuite, PrfHash } from './constants.js';

export interface RecordKeys {
  key: Buffer;
  /** The full 12-byte IV (TLS 1.3, ChaCha20) or the 4-byte GCM salt (TLS 1.2 AES-GCM). */
  iv: Buffer;
}

function hmac(hash: PrfHash, key: Buffer, data: Buffer): Buffer {
  return createHmac(hash, key).update(data).digest();
}

/** P_hash(secret, seed) truncated to n bytes. */
function pHash(hash: PrfHash, secret: Buffer, seed: Buffer, n: number): Buffer {
  const out: Buffer[] = [];
  let have = 0;
  let a: Buffer = seed;
  while (have < n) {
    a = hmac(hash, secret, a);
    const block = hmac(hash, secret, Buffer.concat([a, seed]));
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, n);
}

export function tls12Prf(hash: PrfHash, secret: Buffer, label: string, seed: Buffer, n: number): Buffer {
  return pHash(hash, secret, Buffer.concat([Buffer.from(label, 'latin1'), seed]), n);
}

/** Client and server write keys of a TLS 1.2 AEAD suite (no MAC keys: RFC 5288, RFC 7905). */
export function tls12Keys(
  suite: CipherSuite,
  master: Buffer,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): [client: RecordKeys, server: RecordKeys] {
  const k = suite.keyBytes,
    iv = suite.fixedIvBytes;
  const block = tls12Prf(
    suite.hash,
    master,
    'key expansion',
    Buffer.concat([serverRandom, clientRandom]),
    2 * k + 2 * iv,
  );
  return [
    { key: block.subarray(0, k), iv: block.subarray(2 * k, 2 * k + iv) },
    { key: block.subarray(k, 2 * k), iv: block.subarray(2 * k + iv, 2 * k + 2 * iv) },
  ];
}

/** HKDF-Expand (RFC 5869 2.3). */
function hkdfExpand(hash: PrfHash, prk: Buffer, info: Buffer, n: number): Buffer {
  const out: Buffer[] = [];
  let t: Buffer = Buffer.alloc(0);
  for (let i = 1, have = 0; have < n; i++) {
    t = hmac(hash, prk, Buffer.concat([t, info, Buffer.from([i])]));
    out.push(t);
    have += t.length;
  }
  return Buffer.concat(out).subarray(0, n);
}

export function hkdfExpandLabel(hash: PrfHash, secret: Buffer, label: string, context: Buffer, n: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([
    Buffer.from([n >> 8, n & 0xff, full.length]),
    full,
    Buffer.from([context.length]),
    context,
  ]);
  return hkdfExpand(hash, secret, info, n);
}

export function tls13Keys(suite: CipherSuite, trafficSecret: Buffer): RecordKeys {
  return {
    key: hkdfExpandLabel(suite.hash, trafficSecret, 'key', Buffer.alloc(0), suite.keyBytes),
    iv: hkdfExpandLabel(suite.hash, trafficSecret, 'iv', Buffer.alloc(0), 12),
  };
}

/** The next traffic secret after a KeyUpdate (RFC 8446 7.2). */
export function tls13NextSecret(suite: CipherSuite, secret: Buffer): Buffer {
  return hkdfExpandLabel(suite.hash, secret, 'traffic upd', Buffer.alloc(0), suite.hash === 'sha384' ? 48 : 32);
}
