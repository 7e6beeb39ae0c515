import type { Hex } from 'viem';
import { numberToHex } from 'viem';
import type { ChainClient } from '../chain-client.ts';
import { RpcBadResponseError } from '../errors.ts';

/** keccak256('Transfer(address,address,uint256)'), the ERC-20 (and ERC-721) Transfer event. */
export const TRANSFER_TOPIC: Hex =
  '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

export interface TransferLog {
  /** The token contract, lower-case. */
  readonly token: Hex;
  /** Lower-case. */
  readonly from: Hex;
  /** Lower-case. */
  readonly to: Hex;
  /** Base units of the token. */
  readonly value: bigint;
  readonly txHash: Hex;
  readonly logIndex: number;
  readonly blockNumber: bigint;
  readonly blockHash: Hex;
  readonly removed: boolean;
}

export interface GetTransferLogsParams {
  readonly tokens: readonly Hex[];
  readonly fromBlock: bigint;
  readonly toBlock: bigint;
  /** Told how many logs were skipped as not ERC-20 Transfers (an ERC-721 one has 4 topics). */
  readonly onSkippedLogs?: (count: number) => void;
}

const TOPIC = /^0x[0-9a-f]{64}$/i;
const ADDRESS_TOPIC = /^0x0{24}[0-9a-f]{40}$/i;
const UINT256_DATA = /^0x[0-9a-f]{64}$/i;
const QUANTITY = /^0x[0-9a-f]{1,64}$/i;

function toTransferLog(log: Record<string, unknown>, tokens: ReadonlySet<string>) {
  const { address, topics, data, transactionHash, logIndex, blockNumber, blockHash } = log;
  if (typeof address !== 'string' || !tokens.has(address.toLowerCase())) return null;
  if (!Array.isArray(topics) || topics.length !== 3) return null;
  const [event, from, to] = topics as unknown[];
  if (typeof event !== 'string' || event.toLowerCase() !== TRANSFER_TOPIC) return null;
  if (typeof from !== 'string' || !ADDRESS_TOPIC.test(from)) return null;
  if (typeof to !== 'string' || !ADDRESS_TOPIC.test(to)) return null;
  if (typeof data !== 'string' || !UINT256_DATA.test(data)) return null;
  if (typeof transactionHash !== 'string' || !TOPIC.test(transactionHash)) return null;
  if (typeof blockHash !== 'string' || !TOPIC.test(blockHash)) return null;
  if (typeof logIndex !== 'string' || !QUANTITY.test(logIndex)) return null;
  if (typeof blockNumber !== 'string' || !QUANTITY.test(blockNumber)) return null;
  const transfer: TransferLog = {
    token: address.toLowerCase() as Hex,
    from: `0x${from.slice(26).toLowerCase()}`,
    to: `0x${to.slice(26).toLowerCase()}`,
    value: BigInt(data),
    txHash: transactionHash.toLowerCase() as Hex,
    logIndex: Number(logIndex),
    blockNumber: BigInt(blockNumber),
    blockHash: blockHash.toLowerCase() as Hex,
    removed: log.removed === true,
  };
  return transfer;
}

/**
 * ERC-20 Transfer logs of the listed tokens in blocks `fromBlock`..`toBlock`, in one eth_getLogs.
 * Logs that are not well-formed ERC-20 Transfers are skipped and counted. A provider refusing
 * the range or result set as too large throws RpcRangeTooLargeError (no failover): shrink the range.
 */
export async function getTransferLogs(
  client: ChainClient,
  params: GetTransferLogsParams,
): Promise<TransferLog[]> {
  // An empty address list means "every contract" to some nodes, not "none".
  if (params.tokens.length === 0 || params.toBlock < params.fromBlock) return [];
  const tokens = new Set(params.tokens.map((token) => token.toLowerCase()));
  const logs = await client.request(
    `eth_getLogs ${params.fromBlock}..${params.toBlock}`,
    async (rpc) => {
      const result: unknown = await rpc.request({
        method: 'eth_getLogs',
        params: [
          {
            address: [...tokens] as Hex[],
            topics: [TRANSFER_TOPIC],
            fromBlock: numberToHex(params.fromBlock),
            toBlock: numberToHex(params.toBlock),
          },
        ],
      });
      if (!Array.isArray(result))
        throw new RpcBadResponseError({ chain: client.name, what: 'logs' });
      return result as Record<string, unknown>[];
    },
  );
  const transfers: TransferLog[] = [];
  for (const log of logs) {
    const transfer = toTransferLog(log, tokens);
    if (transfer) transfers.push(transfer);
  }
  const skipped = logs.length - transfers.length;
  if (skipped > 0) params.onSkippedLogs?.(skipped);
  return transfers;
}
