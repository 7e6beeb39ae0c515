import type { Address } from 'viem';
import type { ChainClient } from '../chain-client.ts';
import { toQuantity } from './get-head-block-number.ts';

/**
 * How many transactions `address` has sent: at `latest`, the mined ones, which is the next
 * nonce the chain will accept; at `pending`, also those waiting in the endpoint's pool.
 */
export function getTransactionCount(
  client: ChainClient,
  address: Address,
  tag: 'latest' | 'pending',
): Promise<bigint> {
  return client.request(`eth_getTransactionCount(${tag})`, async (rpc) =>
    toQuantity(
      await rpc.request({ method: 'eth_getTransactionCount', params: [address, tag] }),
      client.name,
      'eth_getTransactionCount',
    ),
  );
}
