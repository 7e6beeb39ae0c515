import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnvilNode, startAnvil } from '../../../test/anvil.ts';
import { createChainClient } from '../chain-client.ts';
import { getBlockHeaders } from './get-block-headers.ts';

/** Forwards HTTP requests to `target`, counting them and the JSON-RPC calls they carry. */
async function startCountingProxy(target: string) {
  const counts = { httpRequests: 0, rpcCalls: 0 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', async () => {
      counts.httpRequests += 1;
      const parsed: unknown = JSON.parse(body);
      counts.rpcCalls += Array.isArray(parsed) ? parsed.length : 1;
      const answer = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(await answer.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('getBlockHeaders', () => {
  let anvil: AnvilNode;
  let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
  beforeAll(async () => {
    anvil = await startAnvil();
    proxy = await startCountingProxy(anvil.url);
    await fetch(anvil.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_mine', params: [60] }),
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await anvil?.stop();
  });

  const numbers = Array.from({ length: 50 }, (_, i) => BigInt(50 - i));

  it('fetches 50 headers in one batched HTTP request, in the order asked, linked by parent hash', async () => {
    proxy.counts.httpRequests = 0;
    proxy.counts.rpcCalls = 0;
    const client = createChainClient({ name: 'anvil', chainId: 31337, rpcUrls: [proxy.url] });
    const headers = await getBlockHeaders(client, numbers);
    expect(proxy.counts).toEqual({ httpRequests: 1, rpcCalls: 50 });
    expect(headers.map((h) => h.number)).toEqual(numbers);
    for (const [i, header] of headers.entries()) {
      const older = headers[i + 1];
      if (older) expect(header.parentHash).toBe(older.hash);
      expect(header.hash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(header.timestamp).toBeGreaterThan(0n);
    }
  });

  it('splits a batch larger than batchSize into several HTTP requests', async () => {
    proxy.counts.httpRequests = 0;
    const client = createChainClient({
      name: 'anvil',
      chainId: 31337,
      rpcUrls: [proxy.url],
      batchSize: 20,
    });
    expect(await getBlockHeaders(client, numbers)).toHaveLength(50);
    expect(proxy.counts.httpRequests).toBe(3);
  });
});
