import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real webhook receiver for tests: a node:http server on 127.0.0.1 (random port) that
 * records every request and answers as the test programs it.
 *
 * ```ts
 * const receiver = await startWebhookReceiver({ replies: [500, 200] }); // 500 first, then 200s
 * // …point an endpoint at receiver.url, deliver…
 * const [first, second] = await receiver.waitForRequests(2);
 * await receiver.close();
 * ```
 *
 * Replies are taken in order, one per request, and the last one repeats (none: 200).
 */
export type ReceiverReply =
  /** This status, empty body. A redirect is `{ status: 302, headers: { location } }`. */
  | number
  /** Never answer: the request hangs until the client gives up or `close()`. */
  | 'hang'
  | {
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
      /** Wait this long before sending anything. */
      readonly delayMs?: number;
      /** Send the status and headers at once, the body only after this long. */
      readonly bodyDelayMs?: number;
    };

/** Picks the reply to a request; `index` counts requests from 0. */
export type ReceiverReplies =
  | readonly ReceiverReply[]
  | ((request: ReceivedRequest, index: number) => ReceiverReply);

export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, e.g. `/hook?x=1`. */
  readonly path: string;
  /** Header names are lower case. */
  readonly headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent (what a signature covers). */
  readonly body: string;
  /** When the last byte of the request arrived. */
  readonly receivedAt: Date;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hook`; any path is accepted. */
  readonly url: string;
  readonly port: number;
  /** Every request received so far, in arrival order. */
  readonly requests: readonly ReceivedRequest[];
  /** Replaces the replies for the requests still to come (the count continues). */
  setReplies(replies: ReceiverReplies): void;
  /** Resolves once at least `count` requests arrived; rejects after `timeoutMs` (10 s). */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Stops the server and destroys open sockets, hanging requests included. */
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  options: { readonly replies?: ReceiverReplies } = {},
): Promise<WebhookReceiver> {
  let replies: ReceiverReplies = options.replies ?? [];
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: new Date(),
      };
      const index = requests.length;
      requests.push(request);
      for (const wake of waiters) wake();
      const reply = pickReply(replies, request, index);
      if (reply === 'hang') return;
      const answer = typeof reply === 'number' ? { status: reply } : reply;
      later(answer.delayMs ?? 0, () => {
        res.writeHead(answer.status, answer.headers);
        if (answer.bodyDelayMs === undefined) {
          res.end(answer.body ?? '');
          return;
        }
        res.flushHeaders();
        later(answer.bodyDelayMs, () => res.end(answer.body ?? ''));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    setReplies(next) {
      replies = next;
    },
    waitForRequests(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length < count) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(requests.slice());
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `the receiver got ${requests.length} of ${count} requests in ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function pickReply(
  replies: ReceiverReplies,
  request: ReceivedRequest,
  index: number,
): ReceiverReply {
  if (typeof replies === 'function') return replies(request, index);
  return replies[Math.min(index, replies.length - 1)] ?? 200;
}
