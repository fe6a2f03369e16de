/**
 * Defers the choice of a connection's parser until its first payload bytes are seen, then
 * replays what it held to the chosen parser. Holds copies of at most the events before
 * the first data (gaps) plus that first chunk.
 */
import type { ConnectionInfo, Direction, EndReason, StreamHandler } from '../net/types.js';
import { guessProtocol, type GuessedProtocol } from './guessProtocol.js';

type Held =
  | { kind: 'gap'; dir: Direction; n: number; ts: number }
  | { kind: 'end'; dir: Direction; ts: number; reason: EndReason };

export class SniffingHandler implements StreamHandler {
  private chosen: StreamHandler | null = null;
  private decided = false;
  private held: Held[] = [];

  constructor(
    private readonly conn: ConnectionInfo,
    private readonly choose: (protocol: GuessedProtocol, conn: ConnectionInfo) => StreamHandler | null,
    private readonly ports?: ReadonlyMap<number, GuessedProtocol>,
  ) {}

  data(dir: Direction, bytes: Uint8Array, ts: number): void {
    if (!this.decided) {
      this.decided = true;
      const head0 = dir === 0 ? bytes : null;
      const head1 = dir === 1 ? bytes : null;
      const midStream = this.held.some((h) => h.kind === 'gap' && h.n < 0) || !this.conn.sawSyn;
      const proto = guessProtocol(this.conn.server.port, head0, head1, !midStream, this.ports);
      this.chosen = this.choose(proto, this.conn);
      const held = this.held;
      this.held = [];
      for (const h of held) {
        if (h.kind === 'gap') this.chosen?.gap(h.dir, h.n, h.ts);
        else this.chosen?.end(h.dir, h.ts, h.reason);
      }
    }
    this.chosen?.data(dir, bytes, ts);
  }

  gap(dir: Direction, bytes: number, ts: number): void {
    if (this.decided) this.chosen?.gap(dir, bytes, ts);
    else this.held.push({ kind: 'gap', dir, n: bytes, ts });
  }

  end(dir: Direction, ts: number, reason: EndReason): void {
    if (this.decided) this.chosen?.end(dir, ts, reason);
    else this.held.push({ kind: 'end', dir, ts, reason });
  }
}
