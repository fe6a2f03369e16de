/**
 * tshark as the reference reader: its binary and the options tests give it (a file's frame and TCP
 * conversation counts come from sharkd.ts, one process for many questions). tshark is required (CI
 * installs it with apt): a test that needs it fails, never skips, without it.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

export const tshark = process.env.TSHARK ?? 'tshark';

/**
 * tshark as a TCP reader only: the layers above TCP and its reassembly of their messages change
 * neither frame numbers, stream numbers, times, segment lengths nor followed bytes, and cost most of its time.
 */
export const tsharkTcpOnly = [
  '-o',
  'tcp.desegment_tcp_streams:FALSE',
  ...['http', 'amqp', 'tls', 'json'].flatMap((p) => ['--disable-protocol', p]),
];

/** tshark's arguments for comma-separated `-T fields` output of these fields, in this order. */
export function tsharkFieldsArgs(fields: string[]): string[] {
  return ['-T', 'fields', '-E', 'separator=,', ...fields.flatMap((f) => ['-e', f])];
}

/**
 * tshark's options to open TLS on `ports` with a key log. Each port is named (Decode As) because
 * tshark tries a dissector registered on either port before its TLS heuristic: a client whose
 * ephemeral port is one of them (44321, pcp; 57000, irc; …) would otherwise be read as that protocol.
 */
export function tsharkTlsArgs(keylog: string, ports: number | number[]): string[] {
  return ['-o', `tls.keylog_file:${keylog}`, ...[ports].flat().flatMap((p) => ['-d', `tcp.port==${p},tls`])];
}

/**
 * tshark's option to try its heuristic dissectors (HTTP, TLS) before the ones registered on a port: for
 * a leg whose server port is named as something else (a proxy's plain backend on the TLS frontend's
 * port) and whose client's ephemeral port may be a registered one (44321, pcp), only the content tells.
 */
export const tsharkHeuristicsFirst = ['-o', 'tcp.try_heuristic_first:TRUE'];

/**
 * tshark as an executable on PATH (or $TSHARK), found without starting it: a start-up costs
 * ~0.5 s of CPU, and a tshark that does not run fails the test's own call anyway.
 */
export function requireTshark(): void {
  requireWiresharkTool(tshark);
}

/** A Wireshark program (tshark, sharkd) on PATH or at its path; the test fails with the install line without it. */
export function requireWiresharkTool(program: string): void {
  const candidates = program.includes('/')
    ? [program]
    : (process.env.PATH ?? '').split(':').map((d) => join(d, program));
  const found = candidates.some((f) => {
    try {
      accessSync(f, constants.X_OK);
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
  if (!found)
    throw new Error(`${program} is required by this test and was not found; install it: apt-get install tshark`);
}
