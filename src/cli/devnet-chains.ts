import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import type { ChainConfig } from '../config/chains-file.ts';
import type { Settings } from '../config/index.ts';
import type { Database } from '../db/models/index.ts';
import { type Devnet, reconcileDevnetCursor, startDevnet } from '../devnet/index.ts';
import type { Logger } from '../logger.ts';
import { printLine } from './output.ts';

/** How often the embedded devnet mines a block. */
const DEVNET_BLOCK_SECONDS = 1;

export interface ResolvedChains {
  readonly chains: readonly ChainConfig[];
  /** The embedded devnet when it runs. */
  readonly devnet: Devnet | null;
  /** Stops the devnet, if any; call it after the worker has stopped. */
  stop(): Promise<void>;
}

/**
 * Where the devnet keeps its chain and `devnet.json`: beside the SQLite file, else
 * `<cwd>/data`. `ctrip devnet` looks in the same place.
 */
export function devnetDataDir(settings: Settings): string {
  const target = settings.database.target;
  return target.engine === 'sqlite' && target.filename !== ':memory:'
    ? dirname(target.filename)
    : join(settings.cwd, 'data');
}

/**
 * The chains `ctrip start` scans: those of the chains file, or, in development with none
 * configured, the embedded devnet, started here. Its chain is checked against the database's
 * cursor first (`reconcileDevnetCursor`), so the scanner never starts on a chain it cannot
 * follow.
 */
export async function resolveChains(
  settings: Settings,
  logger: Logger,
  db: Kysely<Database>,
): Promise<ResolvedChains> {
  if (settings.chains.length > 0 || settings.env !== 'development') {
    return { chains: settings.chains, devnet: null, stop: async () => {} };
  }
  // A block a second: the sweeper's transactions confirm with nobody mining for them.
  const devnet = await startDevnet({
    dataDir: devnetDataDir(settings),
    logger,
    blockTimeSeconds: DEVNET_BLOCK_SECONDS,
  });
  try {
    await reconcileDevnetCursor(db, {
      chain: devnet.chain.name,
      url: devnet.url,
      policy: { latePayments: settings.payments.latePayments },
      logger,
    });
  } catch (error) {
    await devnet.stop();
    throw error;
  }
  const tokens = devnet.chain.tokens.map((token) => `${token.symbol} ${token.address}`);
  logger.info({ chainId: devnet.chain.chainId, tokens: devnet.tokens }, 'devnet started');
  printLine(
    `devnet: Anvil on ${devnet.url} (chain ${devnet.chain.chainId}), tokens ${tokens.join(', ')}`,
  );
  return { chains: [devnet.chain], devnet, stop: () => devnet.stop() };
}
