/**
 * Nomad secrets are dropped where the dissector first sees them: these keys are removed
 * from every decoded RPC body (at any depth) before a body leaves the Nomad RPC parser,
 * and HTTP headers are never copied into events (X-Nomad-Token stays in the exchange).
 */

/** Struct fields that hold a secret anywhere in Nomad's RPC structs. */
export const nomadSecretKeys: ReadonlySet<string> = new Set([
  'SecretID', // Node.SecretID, NodeSpecificRequest.SecretID, ACLToken.SecretID
  'AuthToken', // WriteRequest / QueryOptions ACL token
  'VaultToken', // Job.VaultToken
  'ConsulToken', // Job.ConsulToken
  'Token', // Vault / Consul tokens in older structs
]);

/** HTTP headers that carry a secret (never copied, listed for tests and other readers). */
export const nomadSecretHeaders: ReadonlySet<string> = new Set(['x-nomad-token', 'authorization']);

/** Remove every secret key from a decoded msgpack value, in place (iterative: no deep recursion). */
export function dropNomadSecrets(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || v instanceof Uint8Array) continue;
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    const m = v as Record<string, unknown>;
    for (const k of Object.keys(m)) {
      if (nomadSecretKeys.has(k)) delete m[k];
      else stack.push(m[k]);
    }
  }
}
