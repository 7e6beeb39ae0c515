import type { PublicClient } from 'viem';
import type { ChainClient } from '../chain-client.ts';
import { RpcBadResponseError } from '../errors.ts';

const QUANTITY = /^0x[0-9a-f]{1,64}$/i;

/** A JSON-RPC quantity as a bigint; RpcBadResponseError (so the client fails over) if malformed. */
export function toQuantity(value: unknown, chain: string, what: string): bigint {
  if (typeof value !== 'string' || !QUANTITY.test(value)) {
    throw new RpcBadResponseError({ chain, what });
  }
  return BigInt(value);
}

/** eth_blockNumber on one endpoint, bypassing viem's block-number cache. */
export async function readHeadBlockNumber(rpc: PublicClient, chain: string): Promise<bigint> {
  return toQuantity(await rpc.request({ method: 'eth_blockNumber' }), chain, 'eth_blockNumber');
}

/** The latest block number, from the first healthy endpoint. */
export function getHeadBlockNumber(client: ChainClient): Promise<bigint> {
  return client.request('eth_blockNumber', (rpc) => readHeadBlockNumber(rpc, client.name));
}
