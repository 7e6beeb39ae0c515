import type { Kysely } from 'kysely';
import type { ChainClient } from '../chains/index.ts';
import type { ChainConfig, Settings } from '../config/index.ts';
import type { Database } from '../db/models/index.ts';
import type { Logger } from '../logger.ts';
import type { DepositAddressDeriver } from '../wallet/index.ts';

/** What the HTTP app is built from: passed in, never imported as globals. */
export interface AppDeps {
  readonly db: Kysely<Database>;
  readonly settings: Settings;
  readonly logger: Logger;
  readonly deriver: DepositAddressDeriver;
  /** The chains the gateway serves (the chains file, or the embedded devnet). */
  readonly chains: readonly ChainConfig[];
  /**
   * RPC clients by chain name, when this process has them: /ready then checks each chain's RPC
   * answers, and /metrics reports each endpoint's errors and latency.
   */
  readonly chainClients?: ReadonlyMap<string, ChainClient>;
}
