/**
 * Wireshark's reading of capture files from one process: sharkd (wireshark-common, which tshark
 * depends on) is libwireshark behind a JSON-RPC session on its standard input, loading one file after
 * another. The same readers and dissectors as tshark, one start-up for a test process instead of one a
 * question (a start-up is ~0.5 s of CPU, most of what a small file costs).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
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
  result?: unknown;
  error?: { message: string };
}
interface Status {
  frames?: number;
  filename?: string;
  filesize?: number;
}

/** A question unanswered this long means sharkd is stuck: the test fails instead of hanging. */
const replyTimeoutMs = 60_000;

class SharkdSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<number, { done: (r: RpcReply) => void; fail: (e: Error) => void }>();
  private nextId = 1;
  private partial = '';
  private stderr = '';
  ended = false;

  constructor() {
    requireWiresharkTool(sharkd);
    this.child = spawn(sharkd, ['-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    // The test process may end with the session open: sharkd then reads the end of its input and exits.
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as { unref?: () => void }).unref?.();
    this.child.stdout.setEncoding('utf8').on('data', (text: string) => this.take(text));
    this.child.stderr
      .setEncoding('utf8')
      .on('data', (text: string) => (this.stderr = (this.stderr + text).slice(-2000)));
    this.child.stdin.on('error', () => undefined);
    const end = (why: string) => {
      this.ended = true;
      const said = this.stderr.trim().split('\n').slice(-3).join(' | ');
      for (const w of this.waiting.values()) w.fail(new Error(`sharkd ${why} with a question unanswered: ${said}`));
      this.waiting.clear();
    };
    this.child.on('error', (e) => end(`failed (${e.message})`));
    this.child.on('close', (code, signal) => end(`ended (${code ?? signal})`));
  }

  /** Replies are one JSON object a line; sharkd also writes a few words of its own there. */
  private take(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let reply: RpcReply;
      try {
        reply = JSON.parse(line) as RpcReply;
      } catch {
        continue; // a line of its own that happens to start with a brace: the question then times out, named
      }
      this.waiting.get(reply.id)?.done(reply);
      this.waiting.delete(reply.id);
    }
  }

  /**
   * Sends the requests at once, so that another caller's cannot fall between them (sharkd answers in
   * order, and a `load` changes what the next requests see).
   */
  ask(requests: { method: string; params?: object }[]): Promise<RpcReply[]> {
    if (this.ended) return Promise.reject(new Error(`sharkd has ended: ${this.stderr.trim().split('\n').pop()}`));
    const lines: string[] = [];
    const replies = requests.map(({ method, params }) => {
      const id = this.nextId++;
      lines.push(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }));
      return new Promise<RpcReply>((done, fail) => {
        const timer = setTimeout(() => {
          this.waiting.delete(id);
          fail(new Error(`sharkd gave no answer to ${method} in ${replyTimeoutMs / 1000} s`));
        }, replyTimeoutMs);
        timer.unref();
        this.waiting.set(id, {
          done: (r) => (clearTimeout(timer), done(r)),
          fail: (e) => (clearTimeout(timer), fail(e)),
        });
      });
    });
    this.child.stdin.write(lines.join('\n') + '\n');
    return Promise.all(replies);
  }
}

let session: SharkdSession | undefined;
/** This process's session, started on first use (and again if sharkd ended). */
function current(): SharkdSession {
  if (session === undefined || session.ended) session = new SharkdSession();
  return session;
}

/** What a file sharkd could not open leaves loaded is the previous one: the file is loaded only if its status says so. */
function loaded(status: Status, file: string): boolean {
  return status.filename === basename(file) && status.filesize === statSync(file).size;
}

/** Frames, TCP conversations (`conv:TCP`, tshark's `-z conv,tcp`) and whether Wireshark read the file to its end. */
export async function wiresharkReading(file: string): Promise<WiresharkReading> {
  const [load, status, tap] = await current().ask([
    { method: 'load', params: { file } },
    { method: 'status' },
    { method: 'tap', params: { tap0: 'conv:TCP' } },
  ]);
  const s = (status.result ?? {}) as Status;
  const convs = (tap.result as { taps?: { convs?: unknown[] }[] } | undefined)?.taps?.[0]?.convs;
  const ok = loaded(s, file);
  return {
    frames: ok ? (s.frames ?? 0) : 0,
    tcpConversations: ok ? (convs?.length ?? 0) : 0,
    readToEnd: load.error === undefined,
  };
}

/** Each file's reading, in order. */
export function wiresharkReadings(files: string[]): Promise<WiresharkReading[]> {
  return Promise.all(files.map(wiresharkReading));
}

/**
 * One field per frame, as tshark's `-T fields -e FIELD` (occurrences comma-joined), frames without it
 * left out; with a display filter, of the frames it keeps.
 */
export async function wiresharkField(file: string, field: string, filter?: string): Promise<string[]> {
  const [load, status, frames] = await current().ask([
    { method: 'load', params: { file } },
    { method: 'status' },
    { method: 'frames', params: { column0: `${field}:0`, ...(filter ? { filter } : {}) } },
  ]);
  if (!loaded((status.result ?? {}) as Status, file))
    throw new Error(`sharkd could not open ${file}: ${load.error?.message}`);
  if (frames.error) throw new Error(`sharkd: ${field}${filter ? ` where ${filter}` : ''}: ${frames.error.message}`);
  return (frames.result as { c: string[] }[]).map((f) => f.c[0]).filter((v) => v !== '');
}
