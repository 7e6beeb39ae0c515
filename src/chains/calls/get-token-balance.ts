import { type Address, decodeFunctionResult, encodeFunctionData, erc20Abi, type Hex } from 'viem';
import type { ChainClient } from '../chain-client.ts';
import { RpcBadResponseError } from '../errors.ts';

/** An ERC-20 `balanceOf(owner)` at the latest block, in the token's base units. */
export function getTokenBalance(
  client: ChainClient,
  token: Address,
  owner: Address,
): Promise<bigint> {
  const data = encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [owner] });
  return client.request('eth_call balanceOf', async (rpc) => {
    const result = (await rpc.request({
      method: 'eth_call',
      params: [{ to: token, data }, 'latest'],
    })) as Hex;
    try {
      return decodeFunctionResult({ abi: erc20Abi, functionName: 'balanceOf', data: result });
    } catch {
      // An empty answer is what a node gives for an address with no code: not a token.
      throw new RpcBadResponseError({ chain: client.name, what: `balanceOf of ${token}` });
    }
  });
}
