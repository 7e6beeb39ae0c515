import type { Hex } from 'viem';
import { numberToHex } from 'viem';
import type { ChainClient } from '../chain-client.ts';
import { RpcBadResponseError, RpcBlockUnavailableError } from '../errors.ts';
import { toQuantity } from './get-head-block-number.ts';

export interface BlockHeader {
  readonly number: bigint;
  readonly hash: Hex;
  readonly parentHash: Hex;
  readonly timestamp: bigint;
}

const HASH = /^0x[0-9a-f]{64}$/i;

/** The parts of an RPC block a scanner needs to follow the chain, checked and lower-cased. */
export function toBlockHeader(
  block: { number: unknown; hash: unknown; parentHash: unknown; timestamp: unknown },
  chain: string,
): BlockHeader {
  const { hash, parentHash } = block;
  if (typeof hash !== 'string' || !HASH.test(hash)) {
    throw new RpcBadResponseError({ chain, what: 'block hash' });
  }
  if (typeof parentHash !== 'string' || !HASH.test(parentHash)) {
    throw new RpcBadResponseError({ chain, what: 'block parent hash' });
  }
  return {
    number: toQuantity(block.number, chain, 'block number'),
    hash: hash.toLowerCase() as Hex,
    parentHash: parentHash.toLowerCase() as Hex,
    timestamp: toQuantity(block.timestamp, chain, 'block timestamp'),
  };
}

/**
 * The headers of the given blocks, in the order asked, fetched as one JSON-RPC batch.
 * A block the endpoint does not have (beyond its head) throws RpcBlockUnavailableError.
 */
export async function getBlockHeaders(
  client: ChainClient,
  numbers: readonly bigint[],
): Promise<BlockHeader[]> {
  if (numbers.length === 0) return [];
  return client.request(`eth_getBlockByNumber x${numbers.length}`, (rpc) =>
    // Issued together in one tick, viem's batching sends them as few HTTP requests.
    Promise.all(
      numbers.map(async (number) => {
        const block = await rpc.request({
          method: 'eth_getBlockByNumber',
          params: [numberToHex(number), false],
        });
        if (!block) throw new RpcBlockUnavailableError({ chain: client.name, block: number });
        const header = toBlockHeader(block, client.name);
        if (header.number !== number) {
          throw new RpcBadResponseError({ chain: client.name, what: `block ${number}` });
        }
        return header;
      }),
    ),
  );
}
