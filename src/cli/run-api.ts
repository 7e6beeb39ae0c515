import type { ChainClient } from '../chains/chain-client.ts';
import type { ChainConfig, Settings } from '../config/index.ts';
import type { DatabaseHandle } from '../db/create-database.ts';
import { buildApp } from '../http/app.ts';
import type { Logger } from '../logger.ts';
import { createDepositAddressDeriver, type DepositAddressDeriver } from '../wallet/index.ts';

export interface RunningApi {
  /** Where it listens, e.g. http://127.0.0.1:8000. */
  readonly url: string;
  /** Stops taking connections and waits for the requests in hand. */
  close(): Promise<void>;
}

/** The deposit-address deriver the settings describe (XPUB: no private key in this process). */
export function createConfiguredDeriver(settings: Settings): DepositAddressDeriver {
  const keys = settings.depositKeys;
  return keys.kind === 'xpub'
    ? createDepositAddressDeriver({ kind: 'xpub', xpub: keys.xpub })
    : createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: keys.mnemonic.reveal() });
}

/** Builds the HTTP app and listens on HOST:PORT. */
export async function startApiServer(params: {
  settings: Settings;
  database: DatabaseHandle;
  logger: Logger;
  chains: readonly ChainConfig[];
  chainClients?: ReadonlyMap<string, ChainClient>;
}): Promise<RunningApi> {
  const { settings } = params;
  const app = await buildApp({
    db: params.database.db,
    settings,
    logger: params.logger,
    deriver: createConfiguredDeriver(settings),
    chains: params.chains,
    ...(params.chainClients ? { chainClients: params.chainClients } : {}),
  });
  await app.listen({ host: settings.http.host, port: settings.http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.http.port;
  return { url: `http://${settings.http.host}:${port}`, close: () => app.close() };
}
