/**
 * Captures an attacker could hand us, built from the other helpers: wire text with
 * terminal escapes, floods of connections, chunk storms, nested msgpack, compression
 * bombs. Each builder returns the capture's bytes (pcap) and says what it holds.
 */

/** Replace every occurrence of `from` by `to` (same length: lengths on the wire stay right). */
export function replaceBytes(capture: Uint8Array, from: string, to: string): { bytes: Uint8Array; replaced: number } {
  const a = Buffer.from(from, 'latin1'), b = Buffer.from(to, 'latin1');
  if (a.length !== b.length) throw new Error('replaceBytes: the replacement must have the same length');
  const out = Buffer.from(capture);
  let replaced = 0;
  for (let at = out.indexOf(a); at >= 0; at = out.indexOf(a, at + a.length)) {
    b.copy(out, at);
    replaced++;
  }
  return { bytes: new Uint8Array(out.buffer, out.byteOffset, out.length), replaced };
}

/**
 * A 36-character stand-in for a uuid that attacks whatever prints it: a formula for a
 * spreadsheet, a bare CR, an OSC window title, a screen clear and an OSC 8 link.
 */
export function hostileId(): string {
  const s = '=1+2\r\x1b]0;pwn\x07\x1b[2J\x1b]8;;http://x\x07A\n';
  return s.padEnd(36, 'z');
}
