import type { Address } from 'viem';
import type { ChainClient } from '../chain-client.ts';
import { toQuantity } from './get-head-block-number.ts';

/** The native coin balance of `address` at the latest block, in wei. */
export function getBalance(client: ChainClient, address: Address): Promise<bigint> {
  return client.request('eth_getBalance', async (rpc) =>
    toQuantity(
      await rpc.request({ method: 'eth_getBalance', params: [address, 'latest'] }),
      client.name,
      'eth_getBalance',
    ),
  );
}
