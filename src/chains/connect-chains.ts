import type { ChainConfig } from '../config/chains-file.ts';
import { messageOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { verifyChainId } from './calls/verify-chain-id.ts';
import { type ChainClient, createChainClient } from './chain-client.ts';

export interface ConnectedChain {
  readonly config: ChainConfig;
  readonly client: ChainClient;
  /** False when no endpoint answered at start: the chain id must be checked before scanning. */
  readonly verified: boolean;
}

export interface ConnectChainsResult {
  readonly connected: readonly ConnectedChain[];
  /** Chains left out, and why (a wrong chain id, no endpoint answering). */
  readonly refused: readonly {
    readonly chain: string;
    readonly code: string;
    readonly reason: string;
  }[];
}

/**
 * Builds each chain's client and checks that its endpoints serve the chain id the file
 * names. A chain serving another chain id is left out loudly (an error log line naming it);
 * the others run. A chain none of whose endpoints answers yet is kept, unverified.
 */
export async function connectChains(
  chains: readonly ChainConfig[],
  logger: Pick<Logger, 'info' | 'warn' | 'error'>,
): Promise<ConnectChainsResult> {
  const results = await Promise.all(
    chains.map(async (config) => {
      const client = createChainClient({
        name: config.name,
        chainId: config.chainId,
        rpcUrls: config.rpcUrls,
        logger,
      });
      try {
        await verifyChainId(client);
        return { ok: true as const, chain: { config, client, verified: true } };
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'UNKNOWN';
        if (code === 'RPC_UNAVAILABLE') {
          // An outage at start is not a wrong configuration: keep the chain and check later.
          logger.warn(
            { chain: config.name, code },
            `chain ${config.name}: no RPC endpoint answers yet`,
          );
          return { ok: true as const, chain: { config, client, verified: false } };
        }
        logger.error(
          { chain: config.name, code },
          `chain ${config.name} not started: ${messageOf(error)}`,
        );
        return {
          ok: false as const,
          refused: { chain: config.name, code, reason: messageOf(error) },
        };
      }
    }),
  );
  return {
    connected: results.flatMap((r) => (r.ok ? [r.chain] : [])),
    refused: results.flatMap((r) => (r.ok ? [] : [r.refused])),
  };
}
