import type { Hex } from 'viem';
import type { ChainClient } from '../chain-client.ts';
import { toQuantity } from './get-head-block-number.ts';

export interface TransactionReceipt {
  readonly status: 'success' | 'reverted';
  readonly blockNumber: bigint;
  readonly gasUsed: bigint;
}

/**
 * The receipts of mined transactions, keyed by lower-case hash, fetched as one JSON-RPC batch.
 * A transaction the endpoint has no receipt for (in the pool, dropped, unknown) is absent.
 */
export async function getTransactionReceipts(
  client: ChainClient,
  txHashes: readonly Hex[],
): Promise<Map<Hex, TransactionReceipt>> {
  const hashes = [...new Set(txHashes.map((hash) => hash.toLowerCase() as Hex))];
  const receipts = new Map<Hex, TransactionReceipt>();
  if (hashes.length === 0) return receipts;
  const answers = await client.request(`eth_getTransactionReceipt x${hashes.length}`, (rpc) =>
    Promise.all(
      hashes.map((hash) => rpc.request({ method: 'eth_getTransactionReceipt', params: [hash] })),
    ),
  );
  for (const [i, receipt] of answers.entries()) {
    const hash = hashes[i];
    // A receipt without a block number is a pending one some nodes return; not mined yet.
    if (!hash || !receipt?.blockNumber) continue;
    if (receipt.status !== '0x1' && receipt.status !== '0x0') continue;
    receipts.set(hash, {
      status: receipt.status === '0x1' ? 'success' : 'reverted',
      blockNumber: toQuantity(receipt.blockNumber, client.name, 'receipt block number'),
      gasUsed: toQuantity(receipt.gasUsed, client.name, 'receipt gasUsed'),
    });
  }
  return receipts;
}
