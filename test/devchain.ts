import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { stringify } from 'yaml';
import { formatTokenAmount } from '../src/amounts.ts';
import type { ChainConfig } from '../src/config/chains-file.ts';
import { testTokenAbi } from '../src/devnet/artifacts/TestToken.ts';
import { deployTestTokens } from '../src/devnet/deploy-test-tokens.ts';
import { ANVIL_CHAIN_ID, type AnvilNode, startAnvil } from './anvil.ts';

/** Anvil's second funded account: pays the test payments, so the deployer's nonces stay apart. */
export const PAYER_PRIVATE_KEY =
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;

export interface DevChain {
  readonly anvil: AnvilNode;
  readonly url: string;
  readonly publicClient: PublicClient;
  readonly payer: WalletClient;
  /** 6 decimals, a standard OpenZeppelin ERC-20. */
  readonly usdc: Address;
  /** 18 decimals. */
  readonly dai: Address;
  /** 6 decimals, `transfer` returns nothing (USDT-style). */
  readonly usdt: Address;
  /** Deployed but not in the chain configuration: its transfers must be ignored. */
  readonly unlisted: Address;
  /** The chain as the chains file would describe it; `overrides` replace fields. */
  config(overrides?: Partial<ChainConfig>): ChainConfig;
  sendNative(to: string, wei: bigint): Promise<Hex>;
  sendToken(token: Address, to: string, amount: bigint): Promise<Hex>;
  /** A transaction that is mined but reverts: a token transfer of more than the payer holds. */
  sendRevertingTokenTransfer(token: Address, to: string): Promise<Hex>;
  mine(blocks?: number): Promise<void>;
  head(): Promise<bigint>;
  /** Replaces the last `depth` blocks with empty ones (`anvil_reorg`). */
  reorg(depth: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Anvil node with the test tokens deployed and the payer funded with each of them.
 * Automine stays on: every transaction is its own block, as on a quiet chain.
 */
export async function startDevChain(): Promise<DevChain> {
  const anvil = await startAnvil();
  const transport = http(anvil.url);
  const publicClient = createPublicClient({ chain: foundry, transport }) as PublicClient;
  const payerAccount = privateKeyToAccount(PAYER_PRIVATE_KEY);
  const payer = createWalletClient({ account: payerAccount, chain: foundry, transport });

  // Far more than any test sends, so a transfer fails only when a test means it to.
  const mintAmount = () => 10n ** 40n;
  const recipients = [payerAccount.address];
  const {
    USDC: usdc,
    DAI: dai,
    USDT: usdt,
  } = await deployTestTokens({
    rpcUrl: anvil.url,
    recipients,
    mintAmount,
  });
  const { NOPE: unlisted } = await deployTestTokens({
    rpcUrl: anvil.url,
    recipients,
    mintAmount,
    tokens: [{ symbol: 'NOPE', decimals: 6, kind: 'standard' }],
  });

  async function waitFor(hash: Hex): Promise<Hex> {
    await publicClient.waitForTransactionReceipt({ hash });
    return hash;
  }

  async function rpc(method: string, params: unknown[]): Promise<unknown> {
    return publicClient.request({ method, params } as never);
  }

  return {
    anvil,
    url: anvil.url,
    publicClient,
    payer,
    usdc,
    dai,
    usdt,
    unlisted,
    config: (overrides = {}) => ({
      name: 'anvil',
      chainId: ANVIL_CHAIN_ID,
      rpcUrls: [anvil.url],
      confirmations: { kind: 'depth', blocks: 3 },
      reorgWindow: 16,
      pollIntervalMs: 100,
      maxBlockRange: 50,
      startBlock: 0n,
      native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
      tokens: [
        { symbol: 'USDC', address: usdc, decimals: 6, underpaymentTolerance: 0n, minSweep: 0n },
        { symbol: 'DAI', address: dai, decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
        { symbol: 'USDT', address: usdt, decimals: 6, underpaymentTolerance: 0n, minSweep: 0n },
      ],
      ...overrides,
    }),
    sendNative: async (to, wei) =>
      waitFor(
        await payer.sendTransaction({
          account: payerAccount,
          chain: foundry,
          to: to as Address,
          value: wei,
        }),
      ),
    sendToken: async (token, to, amount) =>
      waitFor(
        await payer.writeContract({
          account: payerAccount,
          chain: foundry,
          address: token,
          abi: testTokenAbi,
          functionName: 'transfer',
          args: [to as Address, amount],
        }),
      ),
    sendRevertingTokenTransfer: async (token, to) =>
      waitFor(
        await payer.writeContract({
          account: payerAccount,
          chain: foundry,
          address: token,
          abi: testTokenAbi,
          functionName: 'transfer',
          args: [to as Address, 10n ** 60n],
          gas: 200_000n,
        }),
      ),
    mine: async (blocks = 1) => {
      await rpc('anvil_mine', [`0x${blocks.toString(16)}`]);
    },
    head: () => publicClient.getBlockNumber({ cacheTime: 0 }),
    reorg: async (depth) => {
      await rpc('anvil_reorg', [depth, []]);
    },
    stop: () => anvil.stop(),
  };
}

/**
 * Writes the chain as a chains file (`chains.yaml` in `dir`) for a spawned `ctrip` process to
 * read through CHAINS_FILE; `overrides` replace fields of `chain.config()`. Returns the path.
 */
export function writeChainsFile(
  chain: DevChain,
  dir: string,
  overrides: Partial<ChainConfig> = {},
): string {
  const config = chain.config(overrides);
  const amounts = (coin: ChainConfig['native']) => ({
    underpayment_tolerance: formatTokenAmount(coin.underpaymentTolerance, coin.decimals),
    min_sweep: formatTokenAmount(coin.minSweep, coin.decimals),
  });
  const file = [
    {
      name: config.name,
      chain_id: config.chainId,
      rpc_urls: [...config.rpcUrls],
      confirmations:
        config.confirmations.kind === 'depth'
          ? config.confirmations.blocks
          : config.confirmations.tag,
      reorg_window: config.reorgWindow,
      poll_interval: `${config.pollIntervalMs}ms`,
      max_block_range: config.maxBlockRange,
      // As text: a block number past 2^53 would not survive a YAML number.
      start_block: config.startBlock === 'latest' ? 'latest' : config.startBlock.toString(),
      native: {
        symbol: config.native.symbol,
        decimals: config.native.decimals,
        ...amounts(config.native),
      },
      tokens: config.tokens.map((token) => ({
        symbol: token.symbol,
        address: token.address,
        decimals: token.decimals,
        ...amounts(token),
      })),
    },
  ];
  const path = join(dir, 'chains.yaml');
  writeFileSync(path, stringify(file));
  return path;
}
