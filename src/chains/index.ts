export { type EstimateGasParams, estimateGas } from './calls/estimate-gas.ts';
export { getBalance } from './calls/get-balance.ts';
export { type BlockHeader, getBlockHeaders } from './calls/get-block-headers.ts';
export {
  type BlockTransaction,
  type BlockWithTransfers,
  getBlocksWithTransactions,
} from './calls/get-blocks-with-transactions.ts';
export { getChainIdOf } from './calls/get-chain-id-of.ts';
export { type FeeData, getFeeData } from './calls/get-fee-data.ts';
export { getHeadBlockNumber } from './calls/get-head-block-number.ts';
export { getReceiptStatuses, type ReceiptStatus } from './calls/get-receipt-statuses.ts';
export { type FinalityTag, getTaggedBlockNumber } from './calls/get-tagged-block-number.ts';
export { getTokenBalance } from './calls/get-token-balance.ts';
export { getTransactionCount } from './calls/get-transaction-count.ts';
export {
  getTransactionReceipts,
  type TransactionReceipt,
} from './calls/get-transaction-receipts.ts';
export {
  type GetTransferLogsParams,
  getTransferLogs,
  TRANSFER_TOPIC,
  type TransferLog,
} from './calls/get-transfer-logs.ts';
export { type BroadcastOutcome, sendRawTransaction } from './calls/send-raw-transaction.ts';
export { verifyChainId } from './calls/verify-chain-id.ts';
export {
  type ChainClient,
  type ChainClientLogger,
  type CreateChainClientParams,
  createChainClient,
  type EndpointOutcome,
  type EndpointStats,
} from './chain-client.ts';
export { type ConnectChainsResult, type ConnectedChain, connectChains } from './connect-chains.ts';
export {
  ChainIdMismatchError,
  type EndpointFailure,
  isRangeTooLargeError,
  RpcBadResponseError,
  RpcBlockUnavailableError,
  RpcRangeTooLargeError,
  RpcRequestRejectedError,
  RpcUnavailableError,
  TokenDecimalsChangedError,
} from './errors.ts';
export { redactRpcUrl } from './redact-rpc-url.ts';
export { type SyncTokensResult, syncTokens } from './sync-tokens.ts';
export { listAcceptedTokens } from './token-queries.ts';
