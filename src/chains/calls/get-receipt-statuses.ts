import type { Hex } from 'viem';
import type { ChainClient } from '../chain-client.ts';

export type ReceiptStatus = 'success' | 'reverted';

/**
 * The execution status of each mined transaction, keyed by lower-case hash, fetched as one
 * JSON-RPC batch. A transaction the endpoint has no receipt for (not mined, unknown) is absent.
 */
export async function getReceiptStatuses(
  client: ChainClient,
  txHashes: readonly Hex[],
): Promise<Map<Hex, ReceiptStatus>> {
  const hashes = [...new Set(txHashes.map((hash) => hash.toLowerCase() as Hex))];
  const statuses = new Map<Hex, ReceiptStatus>();
  if (hashes.length === 0) return statuses;
  const receipts = await client.request(`eth_getTransactionReceipt x${hashes.length}`, (rpc) =>
    Promise.all(
      hashes.map((hash) => rpc.request({ method: 'eth_getTransactionReceipt', params: [hash] })),
    ),
  );
  for (const [i, receipt] of receipts.entries()) {
    const hash = hashes[i];
    // Pre-Byzantium receipts carry a state root instead of a status: no verdict from them.
    if (!hash || !receipt) continue;
    if (receipt.status === '0x1') statuses.set(hash, 'success');
    else if (receipt.status === '0x0') statuses.set(hash, 'reverted');
  }
  return statuses;
}
