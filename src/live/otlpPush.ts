/**
 * `live --otlp-endpoint URL`: each handed-out request's spans (those of `--format otlp`)
 * pushed to an OpenTelemetry collector over OTLP/HTTP with protobuf bodies. push() only
 * queues (the capture never waits on the network); one batch is in flight at a time, so
 * spans arrive in the order their requests completed. A failed batch stays at the head
 * of the queue and is retried with exponential backoff for as long as the endpoint is
 * down; the queue is bounded in spans, and what does not fit is dropped and counted.
 */
import type { ResultRequest } from '../pipeline/types.js';
import { encodeOtlp } from '../report/otlp/otlpProtobuf.js';
import {
  hostResourceSpans,
  requestSpans,
  type ExportTraceServiceRequest,
  type OtlpResourceSpans,
} from '../report/otlp/otlpTraces.js';
import type { OtlpPushOptions, OtlpPushStats } from './types.js';

/** The traces URL for what the user gave: a bare collector address gets OTLP's /v1/traces; null if not http(s). */
export function otlpTracesUrl(text: string): string | null {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/traces';
  return u.toString();
}

/** Answers worth a retry (OTLP/HTTP spec: 429, 502, 503, 504); other 4xx/5xx drop the batch. */
const retryableStatus = new Set([429, 502, 503, 504]);

interface Queued {
  resources: OtlpResourceSpans[];
  spans: number;
}

export class OtlpPush {
  readonly stats: OtlpPushStats = { sent: 0, dropped: 0, queued: 0, retries: 0, lastError: null };
  private readonly queue: Queued[] = [];
  private sending = false;
  private timer: NodeJS.Timeout | null = null;
  private backoff = 0;
  private closed = false;
  private finalized = false;
  private readonly o: Required<Omit<OtlpPushOptions, 'onNotice'>> & Pick<OtlpPushOptions, 'onNotice'>;

  constructor(options: OtlpPushOptions) {
    this.o = {
      maxQueueSpans: 20_000,
      maxBatchSpans: 512,
      flushMs: 1000,
      backoffMs: 500,
      maxBackoffMs: 30_000,
      timeoutMs: 10_000,
      ...options,
    };
    const u = new URL(options.url);
    // Credentials in the URL (user:password@, a token in the query) never reach a notice.
    this.shownUrl = `${u.origin}${u.pathname}`;
  }

  private readonly shownUrl: string;

  /** Queues one request's spans (synchronous, never waits). */
  push(r: ResultRequest): void {
    const byHost = new Map<string, ReturnType<typeof requestSpans>[number]['span'][]>();
    let spans = 0;
    for (const { host, span } of requestSpans(r)) {
      const list = byHost.get(host) ?? [];
      list.push(span);
      byHost.set(host, list);
      spans++;
    }
    if (spans === 0) return;
    if (this.closed || this.stats.queued + spans > this.o.maxQueueSpans) {
      this.stats.dropped += spans;
      return;
    }
    this.queue.push({ resources: [...byHost].map(([host, list]) => hostResourceSpans(host, list, [r.vim])), spans });
    this.stats.queued += spans;
    this.schedule();
  }

  private schedule(): void {
    if (this.sending || this.timer || this.queue.length === 0) return;
    const wait = this.backoff > 0 ? this.backoff : this.stats.queued >= this.o.maxBatchSpans ? 0 : this.o.flushMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sendOne();
    }, wait);
    // A pending push never keeps the process alive by itself (close() flushes).
    this.timer.unref();
  }

  /** The head of the queue, whole requests up to maxBatchSpans (at least one request). */
  private batch(): { body: ExportTraceServiceRequest; items: number; spans: number } {
    const resourceSpans: OtlpResourceSpans[] = [];
    let items = 0,
      spans = 0;
    for (const q of this.queue) {
      if (items > 0 && spans + q.spans > this.o.maxBatchSpans) break;
      resourceSpans.push(...q.resources);
      items++;
      spans += q.spans;
    }
    return { body: { resourceSpans }, items, spans };
  }

  private async sendOne(): Promise<void> {
    if (this.sending || this.queue.length === 0) return;
    this.sending = true;
    const { body, items, spans } = this.batch();
    let outcome: 'sent' | 'retry' | 'rejected';
    let why: string;
    try {
      const res = await fetch(this.o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeOtlp(body),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      outcome = res.ok ? 'sent' : retryableStatus.has(res.status) ? 'retry' : 'rejected';
      why = `HTTP ${res.status}`;
    } catch (e) {
      outcome = 'retry';
      const err = e as Error & { cause?: { code?: string; message?: string } };
      why = err.cause?.code ?? err.cause?.message ?? err.message;
    }
    this.sending = false;
    // close() gave up on this batch already (counted as dropped: it may not have arrived).
    if (this.finalized) return;
    if (outcome === 'retry') {
      this.stats.retries++;
      if (this.backoff === 0)
        this.o.onNotice?.(
          `OTLP endpoint ${this.shownUrl} failing (${why}): retrying with backoff, queue holds up to ` +
            `${this.o.maxQueueSpans} spans`,
        );
      this.stats.lastError = why;
      const next = this.backoff === 0 ? this.o.backoffMs : Math.min(this.o.maxBackoffMs, this.backoff * 2);
      this.backoff = next * (0.8 + 0.4 * Math.random());
    } else {
      this.queue.splice(0, items);
      this.stats.queued -= spans;
      if (outcome === 'sent') {
        if (this.backoff > 0) this.o.onNotice?.(`OTLP endpoint ${this.shownUrl} accepting again`);
        this.stats.sent += spans;
        this.backoff = 0;
      } else {
        this.stats.dropped += spans;
        this.stats.lastError = why;
        this.o.onNotice?.(`OTLP endpoint ${this.shownUrl} rejected a batch of ${spans} spans (${why}): dropped`);
      }
    }
    if (this.closed && this.drained) this.drained();
    this.schedule();
  }

  private drained: (() => void) | null = null;

  /**
   * Sends what is queued, waiting at most `graceMs`; what is still queued then is counted
   * as dropped. Later pushes are dropped.
   */
  async close(graceMs = 5000): Promise<OtlpPushStats> {
    this.closed = true;
    this.backoff = Math.min(this.backoff, graceMs / 4);
    const deadline = Date.now() + graceMs;
    while (this.queue.length && Date.now() < deadline) {
      if (!this.sending) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        if (this.backoff > 0) await new Promise((r) => setTimeout(r, Math.min(this.backoff, deadline - Date.now())));
        if (!this.sending) void this.sendOne();
      }
      await new Promise<void>((r) => {
        this.drained = r;
        setTimeout(r, Math.max(0, deadline - Date.now())).unref();
      });
      this.drained = null;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.finalized = true;
    this.stats.dropped += this.stats.queued;
    this.queue.length = 0;
    this.stats.queued = 0;
    return this.stats;
  }
}
