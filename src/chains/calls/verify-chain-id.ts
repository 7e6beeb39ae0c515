import type { ChainClient } from '../chain-client.ts';
import { ChainIdMismatchError, RpcUnavailableError } from '../errors.ts';
import { readChainId } from './get-chain-id-of.ts';

/**
 * Checks that every endpoint of the chain serves the configured chain id, since failover may
 * land on any of them: ChainIdMismatchError names the first that does not. Endpoints that do
 * not answer are skipped; RpcUnavailableError (retryable) when none answers.
 */
export async function verifyChainId(client: ChainClient): Promise<void> {
  const outcomes = await client.requestEach('eth_chainId', (rpc) => readChainId(rpc, client.name));
  for (const outcome of outcomes) {
    if (outcome.ok && outcome.value !== client.chainId) {
      throw new ChainIdMismatchError({
        chain: client.name,
        url: outcome.url,
        expected: client.chainId,
        actual: outcome.value,
      });
    }
  }
  if (!outcomes.some((outcome) => outcome.ok)) {
    throw new RpcUnavailableError({
      chain: client.name,
      failures: outcomes.flatMap((o) => (o.ok ? [] : [{ url: o.url, error: o.error }])),
    });
  }
}
