import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnvilNode, startAnvil } from '../../test/anvil.ts';
import { CtripError } from '../errors.ts';
import { getHeadBlockNumber } from './calls/get-head-block-number.ts';
import { type CreateChainClientParams, createChainClient } from './chain-client.ts';
import { RpcRequestRejectedError, RpcUnavailableError } from './errors.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A real HTTP server on a free loopback port, for endpoints that misbehave on purpose. */
async function startServer(handler: Handler) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = await startServer(() => {});
  const port = Number(new URL(server.url).port);
  await server.close();
  return port;
}

/** Forwards JSON-RPC to `target` while `state.healthy`, answers HTTP 500 otherwise. */
function toggleHandler(target: string, state: { healthy: boolean }): Handler {
  return (_req, res, body) => {
    if (!state.healthy) {
      res.writeHead(500).end('Internal Server Error');
      return;
    }
    fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then(async (answer) => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(await answer.text());
      })
      .catch(() => res.writeHead(502).end());
  };
}

function client(rpcUrls: string[], extra: Partial<CreateChainClientParams> = {}) {
  return createChainClient({ name: 'test', chainId: 31337, rpcUrls, timeoutMs: 2_000, ...extra });
}

describe('failover between endpoints', () => {
  let anvil: AnvilNode;
  beforeAll(async () => {
    anvil = await startAnvil();
  });
  afterAll(() => anvil?.stop());

  it('a dead first endpoint fails over to the second and is passed over while cooling down', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const chain = client([dead, anvil.url], { cooldownMs: 60_000 });
    for (let i = 0; i < 4; i += 1) expect(await getHeadBlockNumber(chain)).toBe(0n);
    const [first, second] = chain.stats();
    expect(first).toMatchObject({ requests: 1, errors: 1, consecutiveErrors: 1 });
    expect(first?.coolingDownUntil?.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(first?.lastError).toMatch(/ECONNREFUSED/);
    expect(second).toMatchObject({ requests: 4, errors: 0, coolingDownUntil: null });
    expect(second?.avgLatencyMs).not.toBeNull();
  });

  it('a cooled-down endpoint is tried again, and a second failure doubles its cooldown', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const chain = client([dead, anvil.url], { cooldownMs: 100 });
    await getHeadBlockNumber(chain);
    const firstUntil = chain.stats()[0]?.coolingDownUntil?.getTime() ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 150));
    const before = Date.now();
    await getHeadBlockNumber(chain);
    const [first] = chain.stats();
    expect(first).toMatchObject({ requests: 2, errors: 2, consecutiveErrors: 2 });
    const secondUntil = first?.coolingDownUntil?.getTime() ?? 0;
    expect(secondUntil).toBeGreaterThan(firstUntil);
    expect(secondUntil - before).toBeGreaterThanOrEqual(190);
  });

  it('an endpoint answering HTTP 500 fails over to the next', async () => {
    const broken = await startServer((_req, res) => res.writeHead(500).end('boom'));
    try {
      const chain = client([broken.url, anvil.url]);
      expect(await getHeadBlockNumber(chain)).toBe(0n);
      expect(chain.stats()[0]).toMatchObject({ errors: 1 });
      expect(chain.stats()[0]?.lastError).toMatch(/status 500/);
    } finally {
      await broken.close();
    }
  });

  it('an endpoint that never answers times out after timeoutMs and fails over', async () => {
    const hanging = await startServer(() => {});
    try {
      const chain = client([hanging.url, anvil.url], { timeoutMs: 300 });
      const started = Date.now();
      expect(await getHeadBlockNumber(chain)).toBe(0n);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(2_000);
      expect(chain.stats()[0]?.lastError).toBe('request timed out');
    } finally {
      await hanging.close();
    }
  });

  it('endpoints that are all cooling down are still tried rather than refused', async () => {
    const state = { healthy: false };
    const flaky = await startServer(toggleHandler(anvil.url, state));
    try {
      const chain = client([flaky.url], { cooldownMs: 60_000 });
      await expect(getHeadBlockNumber(chain)).rejects.toBeInstanceOf(RpcUnavailableError);
      expect(chain.stats()[0]?.coolingDownUntil).not.toBeNull();
      state.healthy = true;
      expect(await getHeadBlockNumber(chain)).toBe(0n);
      expect(chain.stats()[0]).toMatchObject({ consecutiveErrors: 0, coolingDownUntil: null });
    } finally {
      await flaky.close();
    }
  });

  it("a request's own fault (invalid params) is thrown at once without failing over", async () => {
    const chain = client([anvil.url, anvil.url]);
    const error = await chain
      .request('bogus block', (rpc) =>
        rpc.request({ method: 'eth_getBlockByNumber', params: ['0xnothex' as '0x0', false] }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcRequestRejectedError);
    expect(chain.stats().map((s) => [s.requests, s.errors])).toEqual([
      [1, 0],
      [0, 0],
    ]);
  });

  it('an error the call itself throws passes through untouched and fails nothing over', async () => {
    const chain = client([anvil.url, anvil.url]);
    const own = new CtripError('OWN', 'mine');
    await expect(chain.request('own', () => Promise.reject(own))).rejects.toBe(own);
    expect(chain.stats()[1]?.requests).toBe(0);
  });

  it('every endpoint dead: RpcUnavailableError, retryable, with no credential of any URL', async () => {
    const logs: string[] = [];
    const log = (obj: object, msg: string) => logs.push(JSON.stringify({ ...obj, msg }));
    const secret = `http://user:pw@127.0.0.1:${await closedPort()}/key123?apikey=abc`;
    const chain = client([`http://127.0.0.1:${await closedPort()}`, secret], {
      logger: { warn: log, info: log },
    });
    const error = await getHeadBlockNumber(chain).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcUnavailableError);
    const unavailable = error as RpcUnavailableError;
    expect(unavailable).toMatchObject({ code: 'RPC_UNAVAILABLE', retryable: true });
    expect(unavailable.message).toMatch(/^every RPC endpoint of chain test failed: /);
    expect(unavailable.message).toContain('http://127.0.0.1:');
    const exposed = [
      unavailable.message,
      JSON.stringify(unavailable.details),
      JSON.stringify(chain.stats()),
      ...logs,
    ].join('\n');
    expect(logs.length).toBe(2);
    for (const leak of ['pw', 'key123', 'abc', 'user']) expect(exposed).not.toContain(leak);
  });
});

describe('lagging endpoints', () => {
  let behind: AnvilNode;
  let ahead: AnvilNode;
  beforeAll(async () => {
    [behind, ahead] = await Promise.all([startAnvil(), startAnvil()]);
  });
  afterAll(() => Promise.all([behind?.stop(), ahead?.stop()]));

  async function mine(node: AnvilNode, blocks: number) {
    const response = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_mine', params: [blocks] }),
    });
    expect(response.ok).toBe(true);
  }

  it('an endpoint 20 blocks behind is passed over until a later refresh shows it caught up', async () => {
    await mine(ahead, 20);
    const chain = client([behind.url, ahead.url], { lagThresholdBlocks: 5 });
    expect(await chain.refreshHeads()).toBe(20n);
    expect(chain.stats().map((s) => [s.lastHead, s.lagging])).toEqual([
      [0n, true],
      [20n, false],
    ]);
    expect(await getHeadBlockNumber(chain)).toBe(20n);
    const servedByBehind = chain.stats()[0]?.requests;

    await mine(behind, 18);
    expect(await chain.refreshHeads()).toBe(20n);
    expect(chain.stats()[0]).toMatchObject({ lastHead: 18n, lagging: false });
    expect(await getHeadBlockNumber(chain)).toBe(18n);
    expect(chain.stats()[0]?.requests).toBe((servedByBehind ?? 0) + 2);
  });
});
