import type { Transaction } from 'kysely';
import {
  type FeeData,
  getFeeData,
  getHeadBlockNumber,
  getTaggedBlockNumber,
} from '../chains/index.ts';
import { type LeaseParams, renewLease } from '../db/leases.ts';
import type { Database } from '../db/models/index.ts';
import { addressOfKey } from '../wallet/transaction-signer.ts';
import { SweeperError } from './errors.ts';
import type { SweeperDeps } from './sweeper-deps.ts';

const DEFAULT_LEASE_TTL_MS = 60_000;
const DEFAULT_REPLACE_AFTER_MS = 180_000;

/** What one pass of one chain's sweeper shares between its sweeps. */
export interface SweepPass {
  readonly deps: SweeperDeps;
  readonly chain: string;
  readonly chainId: number;
  readonly hotWallet: `0x${string}`;
  readonly treasury: `0x${string}`;
  readonly lease: LeaseParams;
  readonly replaceAfterMs: number;
  now(): Date;
  /** Fee figures, asked once per pass. */
  fees(): Promise<FeeData>;
  /** Whether a transaction mined in `block` has the chain's required confirmations. */
  isFinal(block: bigint): Promise<boolean>;
  /** Base units below which the token (lower-case address, or null for the coin) waits. */
  minSweepOf(token: string | null): bigint;
  /** Extends the lease inside `trx`; throws SWEEP_LEASE_LOST when another process has it. */
  holdLease(trx: Transaction<Database>): Promise<void>;
}

export function leaseOf(deps: SweeperDeps): LeaseParams {
  return {
    name: `sweep:${deps.chain.config.name}`,
    holder: deps.holder,
    ttlMs: deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
  };
}

/** Checks the keys before any work, so an xpub-only process says why it cannot sweep. */
export function createSweepPass(deps: SweeperDeps): SweepPass {
  const config = deps.chain.config;
  if (deps.deriver.kind !== 'mnemonic') {
    throw new SweeperError(
      'SWEEP_KEYS_UNAVAILABLE',
      'sweeping needs the mnemonic of the deposit addresses; this process has only the xpub',
    );
  }
  let hotWallet: `0x${string}`;
  try {
    hotWallet = addressOfKey(deps.hotWalletKey);
  } catch (error) {
    throw new SweeperError(
      'SWEEP_KEYS_UNAVAILABLE',
      'the hot wallet key is not a valid private key',
      {
        cause: error,
      },
    );
  }
  const now = deps.now ?? (() => new Date());
  const lease = leaseOf(deps);
  let fees: Promise<FeeData> | undefined;
  let head: Promise<bigint> | undefined;
  let tagged: Promise<bigint | null> | undefined;
  const minSweep = new Map<string, bigint>([['native', config.native.minSweep]]);
  for (const token of config.tokens) minSweep.set(token.address, token.minSweep);
  for (const [key, value] of deps.minSweep ?? []) minSweep.set(key.toLowerCase(), value);

  return {
    deps,
    chain: config.name,
    chainId: config.chainId,
    hotWallet,
    treasury: deps.treasuryAddress.toLowerCase() as `0x${string}`,
    lease,
    replaceAfterMs: deps.replaceAfterMs ?? DEFAULT_REPLACE_AFTER_MS,
    now,
    fees() {
      fees ??= getFeeData(deps.chain.client);
      return fees;
    },
    async isFinal(block) {
      const rule = config.confirmations;
      if (rule.kind === 'depth') {
        head ??= getHeadBlockNumber(deps.chain.client);
        return (await head) - block + 1n >= BigInt(rule.blocks);
      }
      tagged ??= getTaggedBlockNumber(deps.chain.client, rule.tag);
      const through = await tagged;
      return through !== null && block <= through;
    },
    minSweepOf(token) {
      return minSweep.get(token ?? 'native') ?? 0n;
    },
    async holdLease(trx) {
      if (!(await renewLease(trx, { ...lease, now: now() }))) {
        throw new SweeperError(
          'SWEEP_LEASE_LOST',
          `another process took the sweep lease of chain ${config.name}`,
          { retryable: true, details: { chain: config.name } },
        );
      }
    },
  };
}
