import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { ChainClient } from '../src/chains/index.ts';
import { type ChainConfig, loadSettings } from '../src/config/index.ts';
import type { Database } from '../src/db/models/index.ts';
import { buildApp } from '../src/http/app.ts';
import { createLogger, type Logger } from '../src/logger.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../src/wallet/index.ts';

/** A chain as the chains file would describe it; `overrides` replace fields. */
export function opsChain(overrides: Partial<ChainConfig> = {}): ChainConfig {
  return {
    name: 'anvil',
    chainId: 31337,
    rpcUrls: ['http://127.0.0.1:1'],
    confirmations: { kind: 'depth', blocks: 2 },
    reorgWindow: 16,
    pollIntervalMs: 1000,
    maxBlockRange: 10,
    startBlock: 0n,
    native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
    tokens: [],
    ...overrides,
  };
}

export interface BuildOpsAppOptions {
  /** Settings variables beside ENV=testing (RATE_LIMIT_PER_MINUTE, REDIS_URL, CORS_ORIGINS…). */
  readonly env?: Readonly<Record<string, string>>;
  readonly chains?: readonly ChainConfig[];
  readonly chainClients?: ReadonlyMap<string, ChainClient>;
  readonly logger?: Logger;
}

/** The whole HTTP app on `db`, built as `ctrip serve` builds it; close it when done. */
export function buildOpsApp(
  db: Kysely<Database>,
  options: BuildOpsAppOptions = {},
): Promise<FastifyInstance> {
  const settings = loadSettings({ env: { ENV: 'testing', ...options.env }, envFile: null });
  return buildApp({
    db,
    settings,
    logger: options.logger ?? createLogger('silent'),
    deriver: createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC }),
    chains: options.chains ?? [],
    ...(options.chainClients ? { chainClients: options.chainClients } : {}),
  });
}
