/**
 * Wireshark's reading of many capture files from one process: sharkd (wireshark-common, which
 * tshark depends on) is libwireshark behind a JSON-RPC session on its standard input, and loads one
 * file after another. The same readers and dissectors as tshark, one start-up instead of one a file
 * (a start-up is ~0.5 s of CPU, most of a small file's cost).
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { statSync } from 'node:fs';
import { requireWiresharkTool } from './tshark.js';

export const sharkd = process.env.SHARKD ?? 'sharkd';

/** What Wireshark read from one file: tshark's `-T fields -e frame.number` lines and `-z conv,tcp` rows. */
export interface WiresharkReading {
  frames: number;
  tcpConversations: number;
  /** False when the file could not be opened or read to its end (tshark's non-zero exit). */
  readToEnd: boolean;
}

interface RpcReply {
  id: number;
  result?: { frames?: number; filename?: string; filesize?: number; taps?: { convs?: unknown[] }[] };
  error?: { message: string };
}

/** Reads each file in one sharkd session: load, status (frames), the conv:TCP tap; in the files' order. */
export function sharkdReadings(files: string[], timeoutMs = 120_000): Promise<WiresharkReading[]> {
  requireWiresharkTool(sharkd);
  const requests = files.flatMap((file, i) => [
    { jsonrpc: '2.0', id: 3 * i + 1, method: 'load', params: { file } },
    { jsonrpc: '2.0', id: 3 * i + 2, method: 'status' },
    { jsonrpc: '2.0', id: 3 * i + 3, method: 'tap', params: { tap0: 'conv:TCP' } },
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(sharkd, ['-'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      // Replies are one JSON object a line; sharkd also writes a few words of its own there.
      const replies = new Map<number, RpcReply>();
      for (const line of Buffer.concat(out).toString('utf8').split('\n'))
        if (line.startsWith('{')) {
          const reply = JSON.parse(line) as RpcReply;
          replies.set(reply.id, reply);
        }
      const missing = requests.find((r) => !replies.has(r.id));
      if (missing !== undefined) {
        const said = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' | ');
        reject(
          new Error(
            `sharkd (exit ${code ?? signal}) gave no reply to request ${missing.id} (${missing.method}): ${said}`,
          ),
        );
        return;
      }
      resolve(
        files.map((file, i) => {
          const load = replies.get(3 * i + 1)!;
          const status = replies.get(3 * i + 2)!.result ?? {};
          const tap = replies.get(3 * i + 3)!.result?.taps?.[0];
          // A file sharkd cannot open leaves the previous one loaded; one it reads part of is the one loaded.
          const loaded = status.filename === basename(file) && status.filesize === statSync(file).size;
          return {
            frames: loaded ? (status.frames ?? 0) : 0,
            tcpConversations: loaded ? (tap?.convs?.length ?? 0) : 0,
            readToEnd: load.error === undefined,
          };
        }),
      );
    });
    child.stdin.end(requests.map((r) => JSON.stringify(r)).join('\n') + '\n');
  });
}
