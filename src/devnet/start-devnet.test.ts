import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  erc20Abi,
  type Hash,
  http,
  parseAbiItem,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterEach, describe, expect, it } from 'vitest';
import { DEVNET_DEPLOYER_KEY, DEVNET_PAYER_KEYS } from './accounts.ts';
import { fetchChainId } from './anvil-process.ts';
import { DEVNET_FILE, DEVNET_STATE_FILE, readDevnetInfo, writeDevnetInfo } from './devnet-file.ts';
import { DevnetError } from './errors.ts';
import { type Devnet, startDevnet } from './start-devnet.ts';

const logger = { info: () => {}, warn: () => {} } as never;
const RECIPIENT = '0x00000000000000000000000000000000000000a1' as const;
const TRANSFER = parseAbiItem(
  'event Transfer(address indexed from, address indexed to, uint256 value)',
);

function clientsOf(url: string) {
  const transport = http(url);
  return {
    chain: createPublicClient({ chain: foundry, transport, pollingInterval: 50 }),
    test: createTestClient({ chain: foundry, mode: 'anvil', transport }),
    payer: createWalletClient({
      account: privateKeyToAccount(DEVNET_PAYER_KEYS[0]),
      chain: foundry,
      transport,
    }),
  };
}

async function blockHashes(url: string): Promise<Hash[]> {
  const { chain } = clientsOf(url);
  const head = await chain.getBlockNumber({ cacheTime: 0 });
  const hashes: Hash[] = [];
  for (let n = 0n; n <= head; n++) {
    hashes.push((await chain.getBlock({ blockNumber: n })).hash);
  }
  return hashes;
}

describe('the embedded devnet', () => {
  const running: Devnet[] = [];
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctrip-devnet-'));
    dirs.push(dir);
    return dir;
  };
  const start = async (dir: string) => {
    const devnet = await startDevnet({ dataDir: dir, logger });
    running.push(devnet);
    return devnet;
  };

  afterEach(async () => {
    for (const devnet of running.splice(0)) await devnet.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('runs Anvil with USDC (6), DAI (18) and USDT (6) funded to the payers, and says where in devnet.json until it stops', async () => {
    const dir = dataDir();
    const devnet = await start(dir);
    const { chain } = clientsOf(devnet.url);

    expect(devnet.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(devnet.chain).toMatchObject({
      name: 'devnet',
      chainId: 31337,
      rpcUrls: [devnet.url],
      confirmations: { kind: 'depth', blocks: 2 },
      reorgWindow: 16,
      pollIntervalMs: 1000,
      maxBlockRange: 500,
      startBlock: 0n,
      native: { symbol: 'ETH', decimals: 18 },
    });
    const tokens = devnet.chain.tokens.map((t) => [t.symbol, t.decimals, t.address]);
    expect(tokens).toEqual([
      ['USDC', 6, devnet.tokens.USDC],
      ['DAI', 18, devnet.tokens.DAI],
      ['USDT', 6, devnet.tokens.USDT],
    ]);
    for (const token of devnet.chain.tokens) {
      expect(token.address).toMatch(/^0x[0-9a-f]{40}$/);
      const decimals = await chain.readContract({
        address: token.address,
        abi: erc20Abi,
        functionName: 'decimals',
      });
      expect(decimals).toBe(token.decimals);
      for (const payer of devnet.payerAddresses) {
        const balance = await chain.readContract({
          address: token.address,
          abi: erc20Abi,
          functionName: 'balanceOf',
          args: [payer],
        });
        expect(balance).toBe(1_000_000n * 10n ** BigInt(token.decimals));
      }
    }
    expect(readDevnetInfo(dir)).toMatchObject({
      url: devnet.url,
      chainId: 31337,
      tokens: devnet.tokens,
      ownerPid: process.pid,
    });

    await running.pop()?.stop();
    expect(existsSync(join(dir, DEVNET_FILE))).toBe(false);
    expect(await fetchChainId(devnet.url)).toBeNull();
    expect(existsSync(join(dir, DEVNET_STATE_FILE))).toBe(true);
  });

  it('a restart loads the same chain: every block hash, the head, logs and balances are kept, the tokens are not deployed again, and new blocks build on the old head', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const before = clientsOf(first.url);
    const payment = await before.payer.writeContract({
      address: first.tokens.USDC,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [RECIPIENT, 1_500_000n],
    });
    await before.chain.waitForTransactionReceipt({ hash: payment });
    await before.test.mine({ blocks: 3 });
    const hashes = await blockHashes(first.url);
    const deployer = privateKeyToAccount(DEVNET_DEPLOYER_KEY).address;
    const deployerNonce = await before.chain.getTransactionCount({ address: deployer });
    await running.pop()?.stop();

    const second = await start(dir);
    const after = clientsOf(second.url);
    expect(second.tokens).toEqual(first.tokens);
    expect(await blockHashes(second.url)).toEqual(hashes);
    expect(await after.chain.getTransactionCount({ address: deployer })).toBe(deployerNonce);
    const receipt = await after.chain.getTransactionReceipt({ hash: payment });
    expect(receipt.status).toBe('success');
    const logs = await after.chain.getLogs({
      address: second.tokens.USDC,
      event: TRANSFER,
      args: { to: RECIPIENT },
      fromBlock: 0n,
    });
    expect(logs.map((log) => [log.transactionHash, log.blockHash, log.args.value])).toEqual([
      [payment, receipt.blockHash, 1_500_000n],
    ]);
    const balance = await after.chain.readContract({
      address: second.tokens.USDC,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [RECIPIENT],
    });
    expect(balance).toBe(1_500_000n);

    await after.test.mine({ blocks: 1 });
    const next = await after.chain.getBlock({ blockNumber: BigInt(hashes.length) });
    expect(next.parentHash).toBe(hashes.at(-1));
  });

  it('stops the Anvil a gateway that died left running (so it writes its chain) before starting on the same chain', async () => {
    const dir = dataDir();
    const orphan = await start(dir);
    await clientsOf(orphan.url).test.mine({ blocks: 5 });
    const hashes = await blockHashes(orphan.url);
    const info = readDevnetInfo(dir);
    if (!info) throw new Error('devnet.json is missing');
    // A gateway process id that no longer exists: its owner died without stopping it.
    writeDevnetInfo(dir, { ...info, ownerPid: 2 ** 22 + 1 });

    const next = await start(dir);
    expect(await fetchChainId(orphan.url)).toBeNull();
    expect(await blockHashes(next.url)).toEqual(hashes);
    expect(readDevnetInfo(dir)?.pid).not.toBe(info.pid);
  });

  it('refuses to start beside the devnet another running gateway owns: DEVNET_ALREADY_RUNNING', async () => {
    const dir = dataDir();
    const devnet = await start(dir);
    const info = readDevnetInfo(dir);
    if (!info) throw new Error('devnet.json is missing');
    // The test runner's parent process: alive, and not this one.
    writeDevnetInfo(dir, { ...info, ownerPid: process.ppid });

    const error = await startDevnet({ dataDir: dir, logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevnetError);
    expect((error as DevnetError).code).toBe('DEVNET_ALREADY_RUNNING');
    expect(await fetchChainId(devnet.url)).toBe(31337);
    expect(JSON.parse(readFileSync(join(dir, DEVNET_FILE), 'utf8')).pid).toBe(info.pid);
  });
});
