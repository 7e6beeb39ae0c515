import { type Hex, keccak256 } from 'viem';
import type { ChainClient } from '../chain-client.ts';
import { jsonRpcErrorOf } from '../errors.ts';

/**
 * What a node said to a signed transaction. `accepted` and `known` both mean it is in the pool
 * (or mined); `nonce-too-low` means a transaction with its nonce was mined, this one or
 * another; `rejected` carries the node's reason (underpriced, insufficient funds, …).
 */
export type BroadcastOutcome =
  | { readonly kind: 'accepted'; readonly hash: Hex }
  | { readonly kind: 'known'; readonly hash: Hex }
  | { readonly kind: 'nonce-too-low'; readonly hash: Hex; readonly reason: string }
  | { readonly kind: 'rejected'; readonly hash: Hex; readonly reason: string };

// geth "already known", Nethermind "AlreadyKnown", Erigon/others "known transaction",
// Anvil "transaction already imported".
const KNOWN =
  /already known|alreadyknown|known transaction|already imported|already in (the )?(pool|mempool)/i;
const NONCE_TOO_LOW = /nonce too low|nonce is too low|oldnonce/i;

/**
 * eth_sendRawTransaction. Sending the same bytes again is harmless, so a broadcast is retried
 * by calling this again with the stored bytes; the node's refusals are returned, not thrown,
 * and only transport failures (after every endpoint was tried) throw RpcUnavailableError.
 */
export function sendRawTransaction(client: ChainClient, raw: Hex): Promise<BroadcastOutcome> {
  const hash = keccak256(raw);
  return client.request('eth_sendRawTransaction', async (rpc): Promise<BroadcastOutcome> => {
    try {
      await rpc.request({ method: 'eth_sendRawTransaction', params: [raw] });
      return { kind: 'accepted', hash };
    } catch (error) {
      const rpcError = jsonRpcErrorOf(error);
      if (!rpcError) throw error;
      const reason = rpcError.message.slice(0, 300);
      if (KNOWN.test(reason)) return { kind: 'known', hash };
      if (NONCE_TOO_LOW.test(reason)) return { kind: 'nonce-too-low', hash, reason };
      return { kind: 'rejected', hash, reason };
    }
  });
}
