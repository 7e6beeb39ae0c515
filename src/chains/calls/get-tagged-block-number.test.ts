import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnvilNode, startAnvil } from '../../../test/anvil.ts';
import { createChainClient } from '../chain-client.ts';
import { getHeadBlockNumber } from './get-head-block-number.ts';
import { getTaggedBlockNumber } from './get-tagged-block-number.ts';

/** A JSON-RPC server on loopback that answers every call in a batch with `answer`. */
async function startFakeRpc(answer: object) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const calls = [JSON.parse(body)].flat() as { id: number }[];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(calls.map(({ id }) => ({ jsonrpc: '2.0', id, ...answer }))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('getTaggedBlockNumber', () => {
  let anvil: AnvilNode;
  beforeAll(async () => {
    anvil = await startAnvil();
    await fetch(anvil.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_mine', params: [100] }),
    });
  });
  afterAll(() => anvil?.stop());

  it('reads the safe and finalized block numbers, at or below the head', async () => {
    const client = createChainClient({ name: 'anvil', chainId: 31337, rpcUrls: [anvil.url] });
    const head = await getHeadBlockNumber(client);
    expect(head).toBe(100n);
    for (const tag of ['safe', 'finalized'] as const) {
      const number = await getTaggedBlockNumber(client, tag);
      expect(typeof number).toBe('bigint');
      expect(number).toBeLessThanOrEqual(head);
    }
  });

  for (const [why, answer] of [
    [
      'rejects the tag as an invalid param',
      { error: { code: -32602, message: 'invalid block tag' } },
    ],
    ['has no such block', { error: { code: -32000, message: 'finalized block not found' } }],
    ['answers null', { result: null }],
  ] as const) {
    it(`is null when the chain ${why}`, async () => {
      const fake = await startFakeRpc(answer);
      try {
        const client = createChainClient({ name: 'fake', chainId: 1, rpcUrls: [fake.url] });
        expect(await getTaggedBlockNumber(client, 'finalized')).toBeNull();
        expect(client.stats()[0]?.errors).toBe(0);
      } finally {
        await fake.close();
      }
    });
  }
});
