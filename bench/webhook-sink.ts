/**
 * The receiver both sides of `bench:webhooks` post to: a bare node:http server on loopback
 * that verifies every request's Standard Webhooks signature (as a merchant's server would, with
 * the npm `standardwebhooks` package), answers 200 with an empty body, and remembers when each
 * webhook-id first arrived.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface WebhookSink {
  readonly url: string;
  /** The secret of the endpoint the requests are signed for (a new one per run). */
  verifyWith(secret: string): void;
  /** Requests received since the last reset, duplicates and bad signatures included. */
  readonly requests: () => number;
  /** Distinct webhook-ids received since the last reset. */
  readonly unique: () => number;
  /** Requests whose signature did not verify (answered 400). */
  readonly unverified: () => number;
  /** `performance.now()` of each webhook-id's first arrival. */
  readonly arrivals: () => ReadonlyMap<string, number>;
  /** Resolves once `count` distinct ids arrived; rejects after `timeoutMs`. */
  waitForUnique(count: number, timeoutMs: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  let webhook: Webhook | undefined;
  let requests = 0;
  let unverified = 0;
  let arrivals = new Map<string, number>();
  let waiter: (() => void) | undefined;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      requests += 1;
      const id = String(request.headers['webhook-id'] ?? '');
      try {
        if (!webhook) throw new Error('no endpoint secret yet');
        webhook.verify(Buffer.concat(chunks), {
          'webhook-id': id,
          'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
        });
      } catch {
        unverified += 1;
        response.writeHead(400).end();
        return;
      }
      if (!arrivals.has(id)) arrivals.set(id, at);
      response.writeHead(200, { 'content-length': '0' }).end();
      waiter?.();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    verifyWith: (secret) => {
      webhook = new Webhook(secret);
    },
    requests: () => requests,
    unique: () => arrivals.size,
    unverified: () => unverified,
    arrivals: () => arrivals,
    waitForUnique: (count, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(
            new Error(`the sink got ${arrivals.size} of ${count} webhooks in ${timeoutMs} ms`),
          );
        }, timeoutMs);
        waiter = () => {
          if (arrivals.size < count) return;
          clearTimeout(timer);
          waiter = undefined;
          resolve();
        };
        waiter();
      }),
    reset: () => {
      requests = 0;
      unverified = 0;
      arrivals = new Map();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
