import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Address, createPublicClient, createTestClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import type { ChainConfig } from '../config/chains-file.ts';
import type { Logger } from '../logger.ts';
import { DEVNET_CHAIN_ID, DEVNET_PAYER_KEYS } from './accounts.ts';
import { fetchChainId, startAnvilProcess } from './anvil-process.ts';
import {
  deployTestTokens,
  expectedTestTokenAddresses,
  TEST_TOKENS,
  type TestTokenAddresses,
} from './deploy-test-tokens.ts';
import {
  DEVNET_STATE_FILE,
  readDevnetInfo,
  removeDevnetInfo,
  writeDevnetInfo,
} from './devnet-file.ts';
import { DevnetError } from './errors.ts';

/** The devnet's name in the chains configuration, the tokens table and payments. */
export const DEVNET_CHAIN_NAME = 'devnet';
/** Blocks on top of a transfer's before it counts; `ctrip devnet pay` mines as many. */
export const DEVNET_CONFIRMATIONS = 2;

const LEFTOVER_STOP_TIMEOUT_MS = 20_000;

export type DevnetLogger = Pick<Logger, 'info' | 'warn'>;

export interface StartDevnetParams {
  /** Holds Anvil's state file and `devnet.json`: the database's folder. */
  readonly dataDir: string;
  readonly logger: DevnetLogger;
  /**
   * Mine a block this often (after the tokens are deployed), so what waits for confirmations
   * without a payer mining for it (the sweeper's transactions) gets them. Quiet when left out.
   */
  readonly blockTimeSeconds?: number;
}

export interface Devnet {
  /** The chain as a chains file would describe it, with the deployed tokens. */
  readonly chain: ChainConfig;
  readonly url: string;
  readonly tokens: TestTokenAddresses;
  /** Funded with ETH and every test token. */
  readonly payerAddresses: readonly Address[];
  /** Removes `devnet.json` and stops Anvil, which writes the chain to its state file. */
  stop(): Promise<void>;
}

/**
 * Runs the development chain: Anvil on a free loopback port with the chain kept in
 * `<dataDir>/devnet-state.json` across restarts (blocks, hashes and receipts included, so the
 * database's cursor stays on it), the test tokens deployed unless the loaded chain has them,
 * and `<dataDir>/devnet.json` saying where it is while it runs. An Anvil left running by a
 * gateway that died is stopped first, so it writes its state before the new one reads it.
 * Throws `DevnetError` (DEVNET_START_FAILED, DEVNET_ALREADY_RUNNING).
 */
export async function startDevnet(params: StartDevnetParams): Promise<Devnet> {
  const { dataDir, logger } = params;
  mkdirSync(dataDir, { recursive: true });
  await stopLeftoverDevnet(dataDir, logger);
  const anvil = await startAnvilProcess({
    chainId: DEVNET_CHAIN_ID,
    stateFile: join(dataDir, DEVNET_STATE_FILE),
    detached: true,
  });
  const payerAddresses = DEVNET_PAYER_KEYS.map((key) => privateKeyToAccount(key).address);
  let tokens: TestTokenAddresses;
  try {
    tokens = await ensureTestTokens(anvil.url, payerAddresses, logger);
    if (params.blockTimeSeconds) {
      await createTestClient({
        chain: foundry,
        mode: 'anvil',
        transport: http(anvil.url),
      }).setIntervalMining({ interval: params.blockTimeSeconds });
    }
    writeDevnetInfo(dataDir, {
      url: anvil.url,
      chainId: DEVNET_CHAIN_ID,
      tokens,
      pid: anvil.pid,
      ownerPid: process.pid,
    });
  } catch (error) {
    await anvil.stop();
    throw error;
  }
  return {
    chain: devnetChainConfig(anvil.url, tokens),
    url: anvil.url,
    tokens,
    payerAddresses,
    stop: async () => {
      removeDevnetInfo(dataDir);
      await anvil.stop();
    },
  };
}

/** The devnet's chains-file entry: a quick poll, shallow confirmations, every test token. */
export function devnetChainConfig(url: string, tokens: TestTokenAddresses): ChainConfig {
  return {
    name: DEVNET_CHAIN_NAME,
    chainId: DEVNET_CHAIN_ID,
    rpcUrls: [url],
    confirmations: { kind: 'depth', blocks: DEVNET_CONFIRMATIONS },
    reorgWindow: 16,
    pollIntervalMs: 1000,
    maxBlockRange: 500,
    startBlock: 0n,
    native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
    tokens: TEST_TOKENS.map((token) => ({
      symbol: token.symbol,
      address: tokens[token.symbol],
      decimals: token.decimals,
      underpaymentTolerance: 0n,
      minSweep: 0n,
    })),
  };
}

/**
 * The tokens of a chain loaded from the state file are where a fresh deployment puts them;
 * only a fresh chain (or one that lost them) gets them deployed.
 */
async function ensureTestTokens(
  url: string,
  payers: readonly Address[],
  logger: DevnetLogger,
): Promise<TestTokenAddresses> {
  const client = createPublicClient({ chain: foundry, transport: http(url) });
  const expected = expectedTestTokenAddresses();
  const codes = await Promise.all(
    Object.values(expected).map((address) => client.getCode({ address })),
  );
  if (codes.every((code) => code !== undefined && code !== '0x')) return expected;
  const deployed = await deployTestTokens({ rpcUrl: url, recipients: payers });
  if (TEST_TOKENS.some((token) => deployed[token.symbol] !== expected[token.symbol])) {
    logger.warn(
      { tokens: deployed },
      'devnet: the test tokens were deployed at new addresses (the deployer had sent transactions)',
    );
  } else {
    logger.info({ tokens: deployed }, 'devnet: test tokens deployed');
  }
  return deployed;
}

/**
 * A `devnet.json` left behind means its gateway died without stopping Anvil: stop that Anvil
 * (SIGTERM, so it writes the chain) before starting another on the same state file. One whose
 * gateway still runs is not touched.
 */
async function stopLeftoverDevnet(dataDir: string, logger: DevnetLogger): Promise<void> {
  const info = readDevnetInfo(dataDir);
  if (!info) return;
  const answers = (await fetchChainId(info.url)) === info.chainId;
  if (answers && info.ownerPid !== process.pid && isAlive(info.ownerPid)) {
    throw new DevnetError(
      'DEVNET_ALREADY_RUNNING',
      `another gateway (process ${info.ownerPid}) runs the devnet of ${dataDir}`,
      { details: { ownerPid: info.ownerPid } },
    );
  }
  if (answers && isAlive(info.pid)) {
    logger.warn({ pid: info.pid }, 'devnet: stopping the Anvil a previous gateway left running');
    process.kill(info.pid, 'SIGTERM');
    const deadline = Date.now() + LEFTOVER_STOP_TIMEOUT_MS;
    while (isAlive(info.pid)) {
      if (Date.now() > deadline) {
        throw new DevnetError(
          'DEVNET_START_FAILED',
          `the Anvil a previous gateway left running (process ${info.pid}) does not stop`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  removeDevnetInfo(dataDir);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
