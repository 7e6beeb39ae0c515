import type { ChainConfig } from '../src/config/chains-file.ts';

/** The default store every migrated database has. */
export const DEFAULT_STORE_ID = '00000000-0000-7000-8000-000000000001';

/** A chain that is never called: creating and reading payments needs no RPC. */
export const BENCH_CHAIN: ChainConfig = {
  name: 'bench',
  chainId: 31337,
  rpcUrls: ['http://127.0.0.1:9'],
  confirmations: { kind: 'depth', blocks: 2 },
  reorgWindow: 16,
  pollIntervalMs: 1000,
  maxBlockRange: 100,
  startBlock: 0n,
  native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
  tokens: [
    {
      symbol: 'USDC',
      address: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
      decimals: 6,
      underpaymentTolerance: 0n,
      minSweep: 0n,
    },
  ],
};
