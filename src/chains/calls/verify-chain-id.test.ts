import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANVIL_CHAIN_ID, type AnvilNode, startAnvil } from '../../../test/anvil.ts';
import { createChainClient } from '../chain-client.ts';
import { ChainIdMismatchError, RpcUnavailableError } from '../errors.ts';
import { getChainIdOf } from './get-chain-id-of.ts';
import { verifyChainId } from './verify-chain-id.ts';

/** A JSON-RPC server on loopback claiming to be chain 1 (Ethereum mainnet). */
async function startMainnetImpostor() {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const calls = [JSON.parse(body)].flat() as { id: number }[];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(calls.map(({ id }) => ({ jsonrpc: '2.0', id, result: '0x1' }))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('verifyChainId', () => {
  let anvil: AnvilNode;
  beforeAll(async () => {
    anvil = await startAnvil();
  });
  afterAll(() => anvil?.stop());

  it('passes when the endpoint serves the configured chain id', async () => {
    const client = createChainClient({
      name: 'anvil',
      chainId: ANVIL_CHAIN_ID,
      rpcUrls: [anvil.url],
    });
    await expect(verifyChainId(client)).resolves.toBeUndefined();
    expect(await getChainIdOf(client)).toBe(ANVIL_CHAIN_ID);
  });

  it('throws ChainIdMismatchError naming the chain, both ids and the endpoint', async () => {
    const client = createChainClient({
      name: 'ethereum',
      chainId: 1,
      rpcUrls: [anvil.url],
    });
    const error = await verifyChainId(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainIdMismatchError);
    expect(error).toMatchObject({ code: 'CHAIN_ID_MISMATCH', retryable: false });
    expect((error as Error).message).toBe(
      `chain ethereum expects chain id 1, but ${anvil.url} serves chain id ${ANVIL_CHAIN_ID}`,
    );
  });

  it('catches a failover endpoint that serves another chain than the first', async () => {
    const impostor = await startMainnetImpostor();
    try {
      const client = createChainClient({
        name: 'anvil',
        chainId: ANVIL_CHAIN_ID,
        rpcUrls: [anvil.url, `${impostor.url}/v3/key123?apikey=abc`],
      });
      const error = await verifyChainId(client).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChainIdMismatchError);
      expect((error as Error).message).toContain(`${impostor.url}/… serves chain id 1`);
      expect((error as Error).message).not.toMatch(/key123|abc/);
    } finally {
      await impostor.close();
    }
  });

  it('throws RpcUnavailableError when no endpoint answers', async () => {
    const impostor = await startMainnetImpostor();
    await impostor.close();
    const client = createChainClient({
      name: 'anvil',
      chainId: ANVIL_CHAIN_ID,
      rpcUrls: [impostor.url],
    });
    await expect(verifyChainId(client)).rejects.toBeInstanceOf(RpcUnavailableError);
  });
});
