import type { ChainClient } from '../chain-client.ts';
import { jsonRpcErrorOf } from '../errors.ts';
import { toQuantity } from './get-head-block-number.ts';

export type FinalityTag = 'safe' | 'finalized';

const INVALID_PARAMS = -32602;
// Nodes of chains without these tags answer with an error rather than null, worded per client:
// "invalid block tag", "unknown block", "finalized block not found", "safe block not supported".
const TAG_UNSUPPORTED =
  /block tag|unknown block|not found|not supported|unsupported|invalid block/i;

/**
 * The number of the block the endpoint calls `safe` or `finalized`, or null when the chain does
 * not support that tag (the caller then falls back to counting confirmations).
 */
export function getTaggedBlockNumber(
  client: ChainClient,
  tag: FinalityTag,
): Promise<bigint | null> {
  return client.request(`eth_getBlockByNumber(${tag})`, async (rpc) => {
    try {
      const block = await rpc.request({ method: 'eth_getBlockByNumber', params: [tag, false] });
      return block ? toQuantity(block.number, client.name, `${tag} block number`) : null;
    } catch (error) {
      const rpcError = jsonRpcErrorOf(error);
      if (rpcError?.code === INVALID_PARAMS || TAG_UNSUPPORTED.test(rpcError?.message ?? '')) {
        return null;
      }
      throw error;
    }
  });
}
