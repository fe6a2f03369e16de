/**
 * The first byte of a connection to Nomad's RPC port says what it carries
 * (hashicorp/nomad nomad/rpc.go). With multiplex v2 every yamux stream starts with one of
 * the same bytes for itself.
 */

export type NomadConnectionDecoding =
  /** msgpack RPC directly on the connection (or on a v2 stream). */
  | 'rpc'
  /** yamux; msgpack RPC on every stream. */
  | 'multiplex'
  /** yamux; each stream starts with its own type byte. */
  | 'multiplex-v2'
  /** Recognised and counted, not decoded. */
  | 'skip';

export interface NomadConnectionType {
  name: string;
  decoding: NomadConnectionDecoding;
}

export const nomadConnectionTypes: Readonly<Record<number, NomadConnectionType>> = {
  0x01: { name: 'rpc', decoding: 'rpc' }, // RpcNomad
  0x02: { name: 'raft', decoding: 'skip' }, // RpcRaft
  0x03: { name: 'multiplex', decoding: 'multiplex' }, // RpcMultiplex
  0x04: { name: 'tls', decoding: 'skip' }, // RpcTLS
  0x05: { name: 'streaming', decoding: 'skip' }, // RpcStreaming
  0x06: { name: 'multiplex-v2', decoding: 'multiplex-v2' }, // RpcMultiplexV2
};

/** Counter key for a type byte, e.g. `connType 0x03 multiplex` or `connType 0x7f unknown`. */
export function typeByteKey(prefix: string, b: number): string {
  return `${prefix} 0x${b.toString(16).padStart(2, '0')} ${nomadConnectionTypes[b]?.name ?? 'unknown'}`;
}
