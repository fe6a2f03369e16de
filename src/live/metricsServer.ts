/**
 * `live --metrics ADDR:PORT`: a plain HTTP server answering GET /metrics with the
 * registry in the Prometheus text format (what Prometheus scrapes); anything else 404.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { LiveCaptureError } from './types.js';

/** `ADDR:PORT`, `[v6addr]:PORT` or `:PORT` (all addresses). */
export function parseListenAddress(text: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new LiveCaptureError(`--metrics takes ADDR:PORT (e.g. 127.0.0.1:9464 or [::1]:9464), not '${text}'`);
  return { host: m[1] ?? (m[2] || undefined), port };
}

export class MetricsServer {
  private constructor(private readonly server: Server) {}

  /** Listening once it resolves; the port actually bound (for port 0) is in `port`. */
  static async listen(address: string, registry: Registry): Promise<MetricsServer & { port: number }> {
    const { host, port } = parseListenAddress(address);
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('vim-analyse serves /metrics only\n');
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${e.message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new LiveCaptureError(`--metrics ${address}: cannot listen (${e.code ?? e.message})`)),
      );
      server.listen(port, host, () => resolve());
    });
    const bound = server.address();
    return Object.assign(new MetricsServer(server), { port: typeof bound === 'object' && bound ? bound.port : port });
  }

  /** Stops listening and ends idle keep-alive connections (Prometheus keeps one open). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
