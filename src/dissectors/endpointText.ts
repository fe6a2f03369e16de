/**
 * `ip:port` of an endpoint, made once per endpoint: every event of a connection carries
 * the same two texts, and the kept messages then share them instead of holding a copy
 * each (a 1 GB capture has hundreds of thousands of messages on a few connections).
 */
import type { Endpoint } from '../net/types.js';

const bracketed = new WeakMap<Endpoint, string>();
const plain = new WeakMap<Endpoint, string>();

/** `10.0.0.1:4647`, `[fd00::1]:5672`. */
export function endpointText(e: Endpoint): string {
  let t = bracketed.get(e);
  if (t === undefined) bracketed.set(e, (t = e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`));
  return t;
}

/** `ip:port` without brackets for IPv6 (the Nomad events' historical form). */
export function endpointTextUnbracketed(e: Endpoint): string {
  let t = plain.get(e);
  if (t === undefined) plain.set(e, (t = `${e.ip}:${e.port}`));
  return t;
}
