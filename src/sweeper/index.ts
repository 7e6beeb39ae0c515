export { SweeperError, type SweeperErrorCode } from './errors.ts';
export { type AllocateNonceParams, allocateNonce } from './nonce-allocator.ts';
export { releaseSweepLease, sweepChainOnce } from './sweep-chain-once.ts';
export type { OutgoingTransaction } from './sweep-queries.ts';
export type { SweeperDeps, SweepPassResult } from './sweeper-deps.ts';
