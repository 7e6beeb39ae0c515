import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { CheckoutStatus } from './checkout-status.ts';

export interface CheckoutStreamOptions {
  /** How often each stream reads the payment again. */
  readonly pollIntervalMs: number;
  /** How often a comment line keeps proxies from closing a quiet stream. */
  readonly heartbeatMs: number;
  /** Streams open at once; beyond it, pages poll the status endpoint instead. */
  readonly maxStreams: number;
}

export const DEFAULT_CHECKOUT_STREAM_OPTIONS: CheckoutStreamOptions = {
  pollIntervalMs: 1000,
  heartbeatMs: 15_000,
  maxStreams: 500,
};

/** How long a browser waits before reconnecting a dropped stream (the SSE `retry` field). */
const RETRY_MS = 3000;

export interface OpenCheckoutStreamParams {
  readonly reply: FastifyReply;
  readonly requestId: string;
  readonly log: FastifyBaseLogger;
  /** The payment as it is now; sent first, so the page is current as soon as it connects. */
  readonly first: CheckoutStatus;
  /** Reads the payment again. */
  readonly load: () => Promise<CheckoutStatus>;
}

/** The server-sent event streams of checkout pages, so they can be counted and closed together. */
export interface CheckoutStatusStreams {
  readonly size: number;
  readonly isFull: () => boolean;
  /** Takes over the reply and streams `status` events until the payment is final or the client leaves. */
  readonly open: (params: OpenCheckoutStreamParams) => void;
  /** Ends every stream: a server that is closing must not wait for pages that never leave. */
  readonly closeAll: () => void;
}

/**
 * Server-sent events for checkout pages. Each stream reads its payment every
 * `pollIntervalMs` (the database is the one place states change, whichever process changed
 * them) and sends an event only when what the payer sees changed.
 */
export function createCheckoutStatusStreams(
  options: CheckoutStreamOptions = DEFAULT_CHECKOUT_STREAM_OPTIONS,
): CheckoutStatusStreams {
  const open = new Set<() => void>();

  function openStream(params: OpenCheckoutStreamParams): void {
    const { reply, log } = params;
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx buffers responses by default, which would hold events back.
      'x-accel-buffering': 'no',
      'x-request-id': params.requestId,
    });
    response.write(`retry: ${RETRY_MS}\n\n`);

    let last = '';
    let closed = false;
    let poll: NodeJS.Timeout | undefined;
    const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), options.heartbeatMs);
    const close = () => {
      if (closed) return;
      closed = true;
      clearTimeout(poll);
      clearInterval(heartbeat);
      open.delete(close);
      response.end();
    };
    open.add(close);
    response.on('close', close);

    const push = (status: CheckoutStatus) => {
      if (closed) return;
      const data = JSON.stringify(status);
      if (data !== last) {
        response.write(`event: status\ndata: ${data}\n\n`);
        last = data;
      }
      if (status.final) close();
    };
    const tick = async () => {
      try {
        push(await params.load());
      } catch (error) {
        // The browser reconnects after RETRY_MS, or falls back to polling if that fails too.
        log.warn({ err: error }, 'checkout status stream failed');
        close();
        return;
      }
      if (!closed) poll = setTimeout(tick, options.pollIntervalMs);
    };
    push(params.first);
    if (!closed) poll = setTimeout(tick, options.pollIntervalMs);
  }

  return {
    get size() {
      return open.size;
    },
    isFull: () => open.size >= options.maxStreams,
    open: openStream,
    closeAll: () => {
      for (const close of [...open]) close();
    },
  };
}
