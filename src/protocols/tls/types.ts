/**
 * What the TLS layer reports per connection: who, the server name and version its hellos
 * carried, and what became of its protected records. No secret is ever part of it.
 */

export type TlsUndecryptedReason =
  | 'no key log given'
  | 'no key for this connection in the key log'
  | 'cipher suite not decryptable (not AEAD)'
  | "records did not authenticate with the key log's secrets"
  | 'handshake not captured'
  | 'record framing lost';

export interface TlsRecordCounts {
  /** Records sent in the clear (hellos, certificates of TLS 1.2, ChangeCipherSpec, alerts). */
  plain: number;
  /** Protected records opened and authenticated. */
  decrypted: number;
  /** Protected records that did not authenticate (wrong key, damaged record, lost sync). */
  failed: number;
  /** Protected records with no key to try (no key log, no line for this connection, CBC suite). */
  undecrypted: number;
}

export interface TlsConnectionSummary {
  /** Connection id (the session's order of first packet). */
  conn: number;
  client: string;
  server: string;
  /** SNI of the ClientHello, when it had one. */
  serverName: string | null;
  /** Negotiated version (`TLS 1.3`), null when no ServerHello was seen. */
  version: string | null;
  cipherSuite: string | null;
  /** True when every protected application record was opened. */
  decrypted: boolean;
  /** Why some application data stayed encrypted, when it did. */
  reason?: TlsUndecryptedReason;
  records: TlsRecordCounts;
  /** Application data bytes (ciphertext) per direction: client → server, server → client. */
  applicationBytes: [number, number];
  /** Relative ns of the first and last application data record (null: none). */
  firstApplicationTs: number | null;
  lastApplicationTs: number | null;
}
