import http from 'node:http';
import https from 'node:https';
import { messageOf } from '../errors.ts';
import { guardedLookup, isRefusedLiteral } from './url-guard.ts';

/** At most this much of a response body is read; the rest is dropped with the connection. */
export const RESPONSE_READ_LIMIT = 64 * 1024;

export interface SendWebhookParams {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The whole attempt, from DNS and connect to the last byte of the response. */
  readonly timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE_URLS: when false, only public addresses are connected to. */
  readonly allowPrivate: boolean;
}

export interface SendWebhookResult {
  /** The receiver's status; absent when no response came. */
  readonly statusCode?: number;
  readonly durationMs: number;
  /** The start of the response body (at most RESPONSE_READ_LIMIT bytes), decoded as UTF-8. */
  readonly body: string;
  /** Why no full response came: a network error, the timeout, a refused address. */
  readonly error?: string;
  /** The address is refused (private while private URLs are not allowed): retrying cannot help. */
  readonly refused?: boolean;
  /** The receiver's Retry-After header, as sent. */
  readonly retryAfter?: string;
}

/**
 * An idle pooled connection is closed after this long, before the receiver's own keep-alive
 * timeout (commonly 5 s) can close it under a request just sent on it, which would fail that
 * attempt with a reset. Node's agent applies it to idle sockets only (and honours a shorter
 * `Keep-Alive: timeout` hint); a request in flight is bounded by `timeoutMs` alone.
 */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

// Keep-alive pools, one per policy, so a connection opened while private addresses were allowed
// is never reused by a request that must not reach them.
const agents = {
  guarded: { http: keepAliveAgent(http), https: keepAliveAgent(https) },
  open: { http: keepAliveAgent(http), https: keepAliveAgent(https) },
};

/**
 * Sends one webhook POST and reports what happened; never throws for anything the network or
 * the receiver does. Redirects are not followed: a 3xx is returned like any other status.
 */
export function sendWebhook(params: SendWebhookParams): Promise<SendWebhookResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (!params.allowPrivate && isRefusedLiteral(params.url)) {
    return Promise.resolve({
      durationMs: elapsed(),
      body: '',
      error: 'WEBHOOK_URL_REFUSED: the address is loopback, private or link-local',
      refused: true,
    });
  }
  return new Promise((resolve) => {
    let settled = false;
    let statusCode: number | undefined;
    let retryAfter: string | undefined;
    const chunks: Buffer[] = [];
    let received = 0;

    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const refused = (error as { code?: unknown } | undefined)?.code === 'WEBHOOK_URL_REFUSED';
      resolve({
        ...(statusCode === undefined ? {} : { statusCode }),
        durationMs: elapsed(),
        body: Buffer.concat(chunks).subarray(0, RESPONSE_READ_LIMIT).toString('utf8'),
        ...(error === undefined ? {} : { error: describeError(error) }),
        ...(refused ? { refused } : {}),
        ...(retryAfter === undefined ? {} : { retryAfter }),
      });
    };

    const isHttps = params.url.protocol === 'https:';
    const pool = params.allowPrivate ? agents.open : agents.guarded;
    const request = (isHttps ? https : http).request(params.url, {
      method: 'POST',
      headers: { ...params.headers, 'content-length': Buffer.byteLength(params.body) },
      agent: isHttps ? pool.https : pool.http,
      ...(params.allowPrivate ? {} : { lookup: guardedLookup }),
    });

    const timer = setTimeout(() => {
      const error = new TimeoutError(params.timeoutMs);
      finish(error);
      request.destroy(error);
    }, params.timeoutMs);

    request.on('error', (error) => finish(error));
    request.on('response', (response) => {
      statusCode = response.statusCode;
      const header = response.headers['retry-after'];
      retryAfter = Array.isArray(header) ? header[0] : header;
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= RESPONSE_READ_LIMIT) {
          // Enough to show an operator; the rest is not worth the time or the memory.
          finish();
          response.destroy();
        }
      });
      response.on('end', () => finish());
      response.on('error', (error) => finish(error));
      // A body cut off by the receiver (or by our timeout) ends here without 'end'.
      response.on('close', () => {
        if (!response.complete)
          finish(new Error('the response ended before its body was complete'));
      });
    });
    request.end(params.body);
  });
}

class TimeoutError extends Error {
  readonly code = 'TIMEOUT';
  constructor(timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
  }
}

/** A short message for the attempt log: the error code and message, no URL path or query. */
function describeError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = messageOf(error);
  return typeof code === 'string' && !message.startsWith(code) ? `${code}: ${message}` : message;
}

function keepAliveAgent(module: typeof http | typeof https): http.Agent {
  return new module.Agent({ keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS });
}
