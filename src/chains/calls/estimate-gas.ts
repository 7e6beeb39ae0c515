import { type Address, type Hex, numberToHex } from 'viem';
import type { ChainClient } from '../chain-client.ts';
import { toQuantity } from './get-head-block-number.ts';

export interface EstimateGasParams {
  readonly from: Address;
  readonly to: Address;
  /** Wei; 0 when absent. */
  readonly value?: bigint;
  readonly data?: Hex;
}

/**
 * The gas a call would use if sent now (eth_estimateGas at the pending state). A call that
 * would revert is the request's own fault: RpcRequestRejectedError, not a failover.
 */
export function estimateGas(client: ChainClient, params: EstimateGasParams): Promise<bigint> {
  const call = {
    from: params.from,
    to: params.to,
    value: numberToHex(params.value ?? 0n),
    ...(params.data ? { data: params.data } : {}),
  };
  return client.request('eth_estimateGas', async (rpc) =>
    toQuantity(
      await rpc.request({ method: 'eth_estimateGas', params: [call] }),
      client.name,
      'eth_estimateGas',
    ),
  );
}
