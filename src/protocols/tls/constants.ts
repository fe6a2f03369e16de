/**
 * TLS wire constants (RFC 5246, RFC 8446) as tables: record content types, handshake
 * message types, version names and the AEAD cipher suites that can be decrypted.
 */

export const ContentType = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;

export const HandshakeType = {
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  finished: 20,
  keyUpdate: 24,
} as const;

export const ExtensionType = { serverName: 0, supportedVersions: 43 } as const;

/** Record header: type(1) version(2) length(2). */
export const recordHeaderBytes = 5;
/** Largest ciphertext a record may carry (2^14 + 2048, RFC 5246 6.2.3); anything longer is not TLS. */
export const maxRecordBytes = 16384 + 2048;

export const versionNames: ReadonlyMap<number, string> = new Map([
  [0x0300, 'SSL 3.0'],
  [0x0301, 'TLS 1.0'],
  [0x0302, 'TLS 1.1'],
  [0x0303, 'TLS 1.2'],
  [0x0304, 'TLS 1.3'],
]);

export type AeadCipher = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
export type PrfHash = 'sha256' | 'sha384';

export interface CipherSuite {
  name: string;
  /** AEAD cipher as node:crypto names it, or null when the suite is not AEAD (CBC: not decrypted). */
  aead: AeadCipher | null;
  hash: PrfHash;
  keyBytes: number;
  /** TLS 1.2 fixed IV bytes from the key block (4 for GCM, 12 for ChaCha20, RFC 5288 / RFC 7905). */
  fixedIvBytes: number;
  tls13: boolean;
}

const gcm128 = { aead: 'aes-128-gcm', hash: 'sha256', keyBytes: 16, fixedIvBytes: 4 } as const;
const gcm256 = { aead: 'aes-256-gcm', hash: 'sha384', keyBytes: 32, fixedIvBytes: 4 } as const;
const chacha = { aead: 'chacha20-poly1305', hash: 'sha256', keyBytes: 32, fixedIvBytes: 12 } as const;

export const cipherSuites: ReadonlyMap<number, CipherSuite> = new Map<number, CipherSuite>([
  [0x1301, { name: 'TLS_AES_128_GCM_SHA256', ...gcm128, fixedIvBytes: 12, tls13: true }],
  [0x1302, { name: 'TLS_AES_256_GCM_SHA384', ...gcm256, fixedIvBytes: 12, tls13: true }],
  [0x1303, { name: 'TLS_CHACHA20_POLY1305_SHA256', ...chacha, tls13: true }],
  [0x009c, { name: 'TLS_RSA_WITH_AES_128_GCM_SHA256', ...gcm128, tls13: false }],
  [0x009d, { name: 'TLS_RSA_WITH_AES_256_GCM_SHA384', ...gcm256, tls13: false }],
  [0x009e, { name: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', ...gcm128, tls13: false }],
  [0x009f, { name: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', ...gcm256, tls13: false }],
  [0xc02b, { name: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', ...gcm128, tls13: false }],
  [0xc02c, { name: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', ...gcm256, tls13: false }],
  [0xc02f, { name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', ...gcm128, tls13: false }],
  [0xc030, { name: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', ...gcm256, tls13: false }],
  [0xcca8, { name: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', ...chacha, tls13: false }],
  [0xcca9, { name: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', ...chacha, tls13: false }],
  [0xccaa, { name: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', ...chacha, tls13: false }],
]);

export function cipherSuiteName(id: number): string {
  return cipherSuites.get(id)?.name ?? `0x${id.toString(16).padStart(4, '0')}`;
}

export function versionName(v: number): string {
  return versionNames.get(v) ?? `0x${v.toString(16).padStart(4, '0')}`;
}

/** Does a record header start here? Type 20–23, major version 3, a bounded length. */
export function looksLikeTlsRecord(b: Uint8Array, o = 0): boolean {
  if (b.length < o + recordHeaderBytes) return false;
  const type = b[o];
  const len = (b[o + 3] << 8) | b[o + 4];
  return type >= 20 && type <= 23 && b[o + 1] === 3 && b[o + 2] <= 4 && len > 0 && len <= maxRecordBytes;
}
