import type { PublicClient } from 'viem';
import type { ChainClient } from '../chain-client.ts';
import { toQuantity } from './get-head-block-number.ts';

/** eth_chainId on one endpoint. */
export async function readChainId(rpc: PublicClient, chain: string): Promise<number> {
  return Number(toQuantity(await rpc.request({ method: 'eth_chainId' }), chain, 'eth_chainId'));
}

/** The chain id the first healthy endpoint serves. */
export function getChainIdOf(client: ChainClient): Promise<number> {
  return client.request('eth_chainId', (rpc) => readChainId(rpc, client.name));
}
