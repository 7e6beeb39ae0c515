import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../../test/database.ts';
import { startTestGateway, type TestGateway } from '../../../test/gateway.ts';
import type { ChainConfig } from '../../config/chains-file.ts';
import { loadSettings } from '../../config/index.ts';
import { createLogger } from '../../logger.ts';
import { createPayment } from '../../payments/create-payment.ts';
import { registerProblemDetails } from '../plugins/problem-details.ts';
import type { CheckoutStreamOptions } from './checkout-status-streams.ts';
import { registerCheckoutRoutes } from './register-checkout-routes.ts';

// The stream only reads the database: the chain is a configuration here.
const chain: ChainConfig = {
  name: 'anvil',
  chainId: 31337,
  rpcUrls: ['http://127.0.0.1:9'],
  confirmations: { kind: 'depth', blocks: 3 },
  reorgWindow: 16,
  pollIntervalMs: 1000,
  maxBlockRange: 50,
  startBlock: 0n,
  native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
  tokens: [],
};
const FAST: CheckoutStreamOptions = { pollIntervalMs: 50, heartbeatMs: 150, maxStreams: 10 };

interface Frame {
  readonly event?: string;
  readonly data?: Record<string, unknown>;
  readonly comment?: string;
}

/** A server-sent event stream read frame by frame, as a browser's EventSource reads it. */
async function openStream(url: string) {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  async function next(): Promise<Frame | null> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (text.startsWith('retry:')) continue;
        if (text.startsWith(':')) return { comment: text.slice(1).trim() };
        const event = /^event: (.*)$/m.exec(text)?.[1];
        const data = /^data: (.*)$/m.exec(text)?.[1];
        return { event, data: data ? JSON.parse(data) : undefined };
      }
      const chunk = await reader.read();
      if (chunk.done) return null;
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  }
  return { response, next, abort: () => abort.abort() };
}

describe.each(engines)('checkout status events on %s', (engine) => {
  let gateway: TestGateway;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway(engine, chain);
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await gateway?.teardown();
  });

  /**
   * `forceClose`: fetch opens a spare connection after an aborted stream, which would hold a
   * polite close for seconds. The test of closing itself leaves it off.
   */
  async function startServer(options: Partial<CheckoutStreamOptions> = {}, forceClose = true) {
    const app = Fastify({ forceCloseConnections: forceClose });
    registerProblemDetails(app);
    registerCheckoutRoutes(
      app,
      {
        db: gateway.db,
        settings: loadSettings({ env: { ENV: 'testing' }, envFile: null }),
        logger: createLogger('silent'),
        deriver: gateway.payments.deriver,
        chains: [chain],
      },
      { ...FAST, ...options },
    );
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => app.close());
    return { app, url };
  }
  const create = () =>
    createPayment(gateway.payments, { chain: 'anvil', token: 'ETH', amount: '1' });
  const setState = (id: string, values: Record<string, unknown>) =>
    gateway.db.updateTable('payments').set(values).where('id', '=', id).execute();

  it('sends the status at once, pushes each change, and ends when the payment is final', async () => {
    const { url } = await startServer();
    const payment = await create();
    const stream = await openStream(`${url}/pay/${payment.id}/events`);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers.get('cache-control')).toBe('no-store');
    const nextStatus = async () => {
      for (;;) {
        const frame = await stream.next();
        if (frame === null || frame.event === 'status') return frame?.data ?? null;
      }
    };
    expect(await nextStatus()).toMatchObject({ status: 'pending', final: false });

    await setState(payment.id, { status: 'detected', amount_received: 400_000_000_000_000_000n });
    expect(await nextStatus()).toMatchObject({
      status: 'detected',
      amount_received: '0.4',
      amount_remaining: '0.6',
    });
    await setState(payment.id, {
      status: 'confirmed',
      amount_received: 1_000_000_000_000_000_000n,
    });
    expect(await nextStatus()).toMatchObject({ status: 'confirmed', final: true });
    expect(await stream.next()).toBeNull();
  });

  it('sends only heartbeat comments while nothing changes', async () => {
    const { url } = await startServer();
    const payment = await create();
    const stream = await openStream(`${url}/pay/${payment.id}/events`);
    expect((await stream.next())?.event).toBe('status');
    const frames = [await stream.next(), await stream.next(), await stream.next()];
    expect(frames).toEqual([
      { comment: 'heartbeat' },
      { comment: 'heartbeat' },
      { comment: 'heartbeat' },
    ]);
    stream.abort();
  });

  it('past the stream limit a page is told to poll; a stream its client left frees its place', async () => {
    const { url } = await startServer({ maxStreams: 1 });
    const payment = await create();
    const first = await openStream(`${url}/pay/${payment.id}/events`);
    expect(first.response.status).toBe(200);

    const refused = await fetch(`${url}/pay/${payment.id}/events`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'UNAVAILABLE' });

    first.abort();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const again = await openStream(`${url}/pay/${payment.id}/events`);
      status = again.response.status;
      again.abort();
    }
    expect(status).toBe(200);
  });

  it('closing the server ends the streams it holds instead of waiting for the pages', async () => {
    const { app, url } = await startServer({}, false);
    const payment = await create();
    const stream = await openStream(`${url}/pay/${payment.id}/events`);
    expect((await stream.next())?.event).toBe('status');
    await app.close();
    let frame = await stream.next();
    while (frame?.comment) frame = await stream.next();
    expect(frame).toBeNull();
  });
});
