import type { ChainClient } from '../chains/chain-client.ts';
import { connectChains } from '../chains/connect-chains.ts';
import { syncTokens } from '../chains/sync-tokens.ts';
import type { ChainConfig } from '../config/chains-file.ts';
import type { Settings } from '../config/index.ts';
import type { DatabaseHandle } from '../db/create-database.ts';
import { startWorker, type Worker } from '../jobs/in-process-worker.ts';
import type { Logger } from '../logger.ts';

/**
 * Syncs the chains' tokens, connects to each chain (a wrong chain id leaves that chain out,
 * loudly) and starts the scanners and the expiry job in this process. `chains` are the chains
 * file's unless the caller runs others (the devnet of `ctrip start`).
 */
export async function startConfiguredWorker(
  settings: Settings,
  database: DatabaseHandle,
  logger: Logger,
  chains: readonly ChainConfig[] = settings.chains,
): Promise<Worker & { readonly chainClients: ReadonlyMap<string, ChainClient> }> {
  const synced = await syncTokens(database.db, chains);
  for (const [what, list] of Object.entries(synced)) {
    if (list.length > 0) logger.info({ tokens: list }, `tokens ${what}`);
  }
  if (chains.length === 0) {
    logger.warn('no chains configured (CHAINS_FILE): nothing to scan');
  }
  const { connected } = await connectChains(chains, logger);
  const worker = startWorker({
    db: database.db,
    chains: connected,
    policy: { latePayments: settings.payments.latePayments },
    logger,
  });
  logger.info(
    { chains: connected.map((c) => c.config.name), holder: worker.holder },
    'worker started',
  );
  const chainClients = new Map(connected.map((c) => [c.config.name, c.client] as const));
  return Object.assign(worker, { chainClients });
}
