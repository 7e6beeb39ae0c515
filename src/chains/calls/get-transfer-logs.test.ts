import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  toEventSelector,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTokenAbi, testTokenBytecode } from '../../../contracts/artifacts/TestToken.ts';
import { ANVIL_PRIVATE_KEY, type AnvilNode, startAnvil } from '../../../test/anvil.ts';
import { createChainClient } from '../chain-client.ts';
import { RpcRangeTooLargeError } from '../errors.ts';
import { getTransferLogs, TRANSFER_TOPIC } from './get-transfer-logs.ts';

const account = privateKeyToAccount(ANVIL_PRIVATE_KEY);
const RECIPIENT = getAddress('0x00000000000000000000000000000000000000a1');

/** A JSON-RPC server on loopback that answers each request (batched or not) with `answer`. */
async function startFakeRpc(answer: (method: string) => object) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const parsed = JSON.parse(body) as
        | { id: number; method: string }
        | { id: number; method: string }[];
      const reply = (r: { id: number; method: string }) => ({
        jsonrpc: '2.0',
        id: r.id,
        ...answer(r.method),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(reply) : reply(parsed)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function topicOf(address: string): Hex {
  return `0x${address.slice(2).toLowerCase().padStart(64, '0')}`;
}

describe('getTransferLogs', () => {
  let anvil: AnvilNode;
  let wallet: ReturnType<typeof createWalletClient>;
  let chain: ReturnType<typeof createPublicClient>;

  beforeAll(async () => {
    anvil = await startAnvil();
    wallet = createWalletClient({ account, chain: foundry, transport: http(anvil.url) });
    chain = createPublicClient({ chain: foundry, transport: http(anvil.url) });
  });
  afterAll(() => anvil?.stop());

  async function deployToken(): Promise<Hex> {
    const hash = await wallet.deployContract({
      abi: testTokenAbi,
      bytecode: testTokenBytecode,
      args: ['Test USD', 'TUSD', 6],
      account,
      chain: foundry,
    });
    const { contractAddress } = await chain.waitForTransactionReceipt({ hash });
    if (!contractAddress) throw new Error('no contract deployed');
    return contractAddress;
  }

  async function send(token: Hex, functionName: 'mint' | 'transfer', to: Hex, amount: bigint) {
    const hash = await wallet.writeContract({
      address: token,
      abi: testTokenAbi,
      functionName,
      args: [to, amount],
      account,
      chain: foundry,
    });
    return chain.waitForTransactionReceipt({ hash });
  }

  it('the Transfer event topic is keccak256 of Transfer(address,address,uint256)', () => {
    expect(TRANSFER_TOPIC).toBe(toEventSelector('Transfer(address,address,uint256)'));
  });

  it('finds the ERC-20 Transfer logs of the listed tokens only, decoded and lower-cased', async () => {
    const listed = await deployToken();
    const other = await deployToken();
    const mint = await send(listed, 'mint', account.address, 10_000_000n);
    await send(other, 'mint', account.address, 5n);
    const transfer = await send(listed, 'transfer', RECIPIENT, 1_500_000n);
    await send(other, 'transfer', RECIPIENT, 3n);

    const client = createChainClient({ name: 'anvil', chainId: 31337, rpcUrls: [anvil.url] });
    const logs = await getTransferLogs(client, {
      tokens: [getAddress(listed)],
      fromBlock: 0n,
      toBlock: transfer.blockNumber + 1n,
    });
    const self = account.address.toLowerCase();
    expect(logs).toEqual([
      {
        token: listed.toLowerCase(),
        from: `0x${'0'.repeat(40)}`,
        to: self,
        value: 10_000_000n,
        txHash: mint.transactionHash,
        logIndex: 0,
        blockNumber: mint.blockNumber,
        blockHash: mint.blockHash,
        removed: false,
      },
      {
        token: listed.toLowerCase(),
        from: self,
        to: RECIPIENT.toLowerCase(),
        value: 1_500_000n,
        txHash: transfer.transactionHash,
        logIndex: 0,
        blockNumber: transfer.blockNumber,
        blockHash: transfer.blockHash,
        removed: false,
      },
    ]);
  });

  it('an empty token list asks the node nothing and finds nothing', async () => {
    const client = createChainClient({ name: 'anvil', chainId: 31337, rpcUrls: [anvil.url] });
    expect(await getTransferLogs(client, { tokens: [], fromBlock: 0n, toBlock: 10n })).toEqual([]);
    expect(client.stats()[0]?.requests).toBe(0);
  });

  it('skips and counts logs that are not ERC-20 Transfers of a listed token', async () => {
    const token = '0x00000000000000000000000000000000000000c0';
    const base = {
      address: token,
      blockHash: `0x${'b'.repeat(64)}`,
      blockNumber: '0x5',
      transactionHash: `0x${'a'.repeat(64)}`,
      transactionIndex: '0x0',
      removed: false,
    };
    const from = topicOf('0x00000000000000000000000000000000000000f1');
    const to = topicOf('0x00000000000000000000000000000000000000f2');
    const logs = [
      { ...base, logIndex: '0x0', topics: [TRANSFER_TOPIC, from, to], data: topicOf('0x2a') },
      // ERC-721: the token id is a fourth topic and there is no data.
      { ...base, logIndex: '0x1', topics: [TRANSFER_TOPIC, from, to, topicOf('0x7')], data: '0x' },
      {
        ...base,
        address: '0x00000000000000000000000000000000000000dd',
        logIndex: '0x2',
        topics: [TRANSFER_TOPIC, from, to],
        data: topicOf('0x1'),
      },
    ];
    const fake = await startFakeRpc(() => ({ result: logs }));
    try {
      const client = createChainClient({ name: 'fake', chainId: 31337, rpcUrls: [fake.url] });
      const skipped: number[] = [];
      const found = await getTransferLogs(client, {
        tokens: [token as Hex],
        fromBlock: 0n,
        toBlock: 9n,
        onSkippedLogs: (count) => skipped.push(count),
      });
      expect(found.map((log) => [log.logIndex, log.value, log.from])).toEqual([
        [0, 42n, '0x00000000000000000000000000000000000000f1'],
      ]);
      expect(skipped).toEqual([2]);
    } finally {
      await fake.close();
    }
  });

  it('a provider refusing the range throws RpcRangeTooLargeError without failing over', async () => {
    const fake = await startFakeRpc(() => ({
      error: { code: -32005, message: 'query returned more than 10000 results' },
    }));
    try {
      const client = createChainClient({
        name: 'fake',
        chainId: 31337,
        rpcUrls: [`${fake.url}/key123?apikey=abc`, anvil.url],
      });
      const error = await getTransferLogs(client, {
        tokens: [RECIPIENT],
        fromBlock: 0n,
        toBlock: 1_000_000n,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcRangeTooLargeError);
      const refused = error as RpcRangeTooLargeError;
      expect(refused.code).toBe('RPC_RANGE_TOO_LARGE');
      expect(refused.message).toContain('query returned more than 10000 results');
      expect(refused.message).toContain(`${fake.url}/…`);
      const exposed = refused.message + JSON.stringify(refused.details);
      for (const leak of ['key123', 'abc']) expect(exposed).not.toContain(leak);
      expect(client.stats().map((s) => [s.requests, s.errors])).toEqual([
        [1, 0],
        [0, 0],
      ]);
    } finally {
      await fake.close();
    }
  });
});
