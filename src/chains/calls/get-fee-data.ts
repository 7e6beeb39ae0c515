import type { ChainClient } from '../chain-client.ts';
import { jsonRpcErrorOf } from '../errors.ts';
import { toQuantity } from './get-head-block-number.ts';

export interface FeeData {
  /** The latest block's base fee; null on a chain without EIP-1559. */
  readonly baseFeePerGas: bigint | null;
  /** What the node suggests for a legacy transaction (eth_gasPrice). */
  readonly gasPrice: bigint;
  /** The tip the node suggests; derived from the gas price where the node lacks the method. */
  readonly maxPriorityFeePerGas: bigint;
}

/** The fee figures a transaction is priced from, asked of one endpoint in one batch. */
export function getFeeData(client: ChainClient): Promise<FeeData> {
  return client.request('fee data', async (rpc) => {
    const [block, gasPriceHex, tipHex] = await Promise.all([
      rpc.request({ method: 'eth_getBlockByNumber', params: ['latest', false] }),
      rpc.request({ method: 'eth_gasPrice' }),
      rpc.request({ method: 'eth_maxPriorityFeePerGas' }).catch((error: unknown) => {
        // Older nodes and some chains lack the method: the request's, not the endpoint's fault.
        if (jsonRpcErrorOf(error)) return null;
        throw error;
      }),
    ]);
    const baseFeeHex = (block as { baseFeePerGas?: unknown } | null)?.baseFeePerGas;
    const baseFeePerGas =
      baseFeeHex === undefined || baseFeeHex === null
        ? null
        : toQuantity(baseFeeHex, client.name, 'baseFeePerGas');
    const gasPrice = toQuantity(gasPriceHex, client.name, 'eth_gasPrice');
    const suggestedTip =
      tipHex === null ? null : toQuantity(tipHex, client.name, 'eth_maxPriorityFeePerGas');
    const maxPriorityFeePerGas =
      suggestedTip ??
      (baseFeePerGas !== null && gasPrice > baseFeePerGas ? gasPrice - baseFeePerGas : gasPrice);
    return { baseFeePerGas, gasPrice, maxPriorityFeePerGas };
  });
}
