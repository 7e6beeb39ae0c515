import type { Hex } from 'viem';
import { numberToHex } from 'viem';
import type { ChainClient } from '../chain-client.ts';
import { RpcBadResponseError, RpcBlockUnavailableError } from '../errors.ts';
import { type BlockHeader, toBlockHeader } from './get-block-headers.ts';
import { toQuantity } from './get-head-block-number.ts';

export interface BlockTransaction {
  readonly hash: Hex;
  /** Lower-case. */
  readonly from: Hex;
  /** Lower-case; null for a contract creation. */
  readonly to: Hex | null;
  /** Wei. */
  readonly value: bigint;
  readonly index: number;
}

export interface BlockWithTransfers {
  readonly header: BlockHeader;
  readonly transactions: readonly BlockTransaction[];
}

const ADDRESS = /^0x[0-9a-f]{40}$/i;
const HASH = /^0x[0-9a-f]{64}$/i;

function toTransaction(tx: unknown, chain: string): BlockTransaction {
  const { hash, from, to, value, transactionIndex } = (tx ?? {}) as Record<string, unknown>;
  const valid =
    typeof hash === 'string' &&
    HASH.test(hash) &&
    typeof from === 'string' &&
    ADDRESS.test(from) &&
    (to === null || (typeof to === 'string' && ADDRESS.test(to)));
  if (!valid) throw new RpcBadResponseError({ chain, what: 'block transaction' });
  return {
    hash: hash.toLowerCase() as Hex,
    from: from.toLowerCase() as Hex,
    to: to === null ? null : (to.toLowerCase() as Hex),
    value: toQuantity(value, chain, 'transaction value'),
    index: Number(toQuantity(transactionIndex, chain, 'transaction index')),
  };
}

/**
 * Blocks `from`..`to` (inclusive) with their transactions, in block order, fetched as full blocks
 * in one JSON-RPC batch. A block the endpoint does not have yet throws RpcBlockUnavailableError
 * (retryable); the caller keeps the range within what its batch and the provider can carry.
 */
export async function getBlocksWithTransactions(
  client: ChainClient,
  from: bigint,
  to: bigint,
): Promise<BlockWithTransfers[]> {
  if (to < from) return [];
  const numbers: bigint[] = [];
  for (let n = from; n <= to; n += 1n) numbers.push(n);
  return client.request(`eth_getBlockByNumber(full) ${from}..${to}`, (rpc) =>
    Promise.all(
      numbers.map(async (number) => {
        const block = await rpc.request({
          method: 'eth_getBlockByNumber',
          params: [numberToHex(number), true],
        });
        if (!block) throw new RpcBlockUnavailableError({ chain: client.name, block: number });
        const header = toBlockHeader(block, client.name);
        if (header.number !== number) {
          throw new RpcBadResponseError({ chain: client.name, what: `block ${number}` });
        }
        const transactions = block.transactions.map((tx) => toTransaction(tx, client.name));
        return { header, transactions };
      }),
    ),
  );
}
