import {
  type BlockHeader,
  type ChainClient,
  getBlocksWithTransactions,
  getReceiptStatuses,
  getTransferLogs,
} from '../chains/index.ts';
import { NATIVE_TRANSFER_LOG_INDEX, type ObservedTransfer } from '../payments/transfer-store.ts';
import { ChainMovedError, ReceiptMissingError } from './errors.ts';
import type { WatchList } from './watch-list.ts';

export interface FetchTransfersParams {
  readonly client: ChainClient;
  readonly chain: string;
  readonly from: bigint;
  readonly to: bigint;
  readonly watchList: WatchList;
  /** Wall-clock time, for the watch list's refresh. */
  readonly now: Date;
  /** Allow-listed ERC-20 contracts (lower-case) and their token ids. */
  readonly tokenIds: ReadonlyMap<string, string>;
  readonly nativeTokenId: string;
}

export interface FetchedRange {
  /** Every block of the range, in order; each one's parent is the one before. */
  readonly headers: readonly BlockHeader[];
  readonly transfers: readonly ObservedTransfer[];
}

/**
 * Reads blocks `from`..`to` and finds the transfers into watched addresses: Transfer logs of
 * allow-listed tokens, and successful top-level native transfers (receipt status checked;
 * value moved by contracts internally is not visible without traces). Reads only: nothing is
 * written, so a step that fails here leaves no trace. Throws ChainMovedError when the blocks
 * and logs do not belong to one chain (the node reorganized between the calls).
 */
export async function fetchTransfers(params: FetchTransfersParams): Promise<FetchedRange> {
  const { client, chain, from, to, watchList } = params;
  const tokens = [...params.tokenIds.keys()] as `0x${string}`[];
  const [blocks, logs] = await Promise.all([
    getBlocksWithTransactions(client, from, to),
    getTransferLogs(client, { tokens, fromBlock: from, toBlock: to }),
  ]);

  const headers = blocks.map((b) => b.header);
  const byNumber = new Map(headers.map((h) => [h.number, h]));
  for (let i = 1; i < headers.length; i++) {
    const header = headers[i] as BlockHeader;
    if (header.parentHash !== (headers[i - 1] as BlockHeader).hash) {
      throw new ChainMovedError(chain, header.number);
    }
  }

  // Watch what was open when these blocks were made, not only what is open now.
  const firstTime = headers[0] ? new Date(Number(headers[0].timestamp) * 1000) : params.now;
  await watchList.refresh(firstTime < params.now ? firstTime : params.now, params.now);

  const transfers: ObservedTransfer[] = [];
  for (const log of logs) {
    if (log.removed) continue;
    const watched = watchList.lookup(log.to);
    if (!watched) continue;
    const header = byNumber.get(log.blockNumber);
    if (!header || header.hash !== log.blockHash) throw new ChainMovedError(chain, log.blockNumber);
    const tokenId = params.tokenIds.get(log.token);
    if (!tokenId || log.value === 0n) continue;
    transfers.push({
      paymentId: watched.paymentId,
      tokenId,
      txHash: log.txHash,
      logIndex: log.logIndex,
      from: log.from,
      blockNumber: log.blockNumber,
      blockHash: log.blockHash,
      blockTime: new Date(Number(header.timestamp) * 1000),
      amount: log.value,
    });
  }

  const candidates: {
    tx: { hash: `0x${string}`; from: string; value: bigint };
    header: BlockHeader;
    paymentId: string;
  }[] = [];
  for (const block of blocks) {
    for (const tx of block.transactions) {
      if (tx.to === null || tx.value === 0n) continue;
      const watched = watchList.lookup(tx.to);
      if (watched) candidates.push({ tx, header: block.header, paymentId: watched.paymentId });
    }
  }
  if (candidates.length > 0) {
    const statuses = await getReceiptStatuses(
      client,
      candidates.map((c) => c.tx.hash),
    );
    for (const { tx, header, paymentId } of candidates) {
      const status = statuses.get(tx.hash);
      // A missing receipt proves nothing either way: retry the step rather than guess.
      if (status === undefined) throw new ReceiptMissingError(chain, tx.hash);
      if (status !== 'success') continue;
      transfers.push({
        paymentId,
        tokenId: params.nativeTokenId,
        txHash: tx.hash,
        logIndex: NATIVE_TRANSFER_LOG_INDEX,
        from: tx.from,
        blockNumber: header.number,
        blockHash: header.hash,
        blockTime: new Date(Number(header.timestamp) * 1000),
        amount: tx.value,
      });
    }
  }
  return { headers, transfers };
}
