import type { Kysely } from 'kysely';
import type { ConnectedChain } from '../chains/connect-chains.ts';
import type { Secret } from '../config/secret.ts';
import type { Database } from '../db/models/index.ts';
import type { Logger } from '../logger.ts';
import type { DepositAddressDeriver } from '../wallet/deposit-address-deriver.ts';
import type { OutgoingTransaction } from './sweep-queries.ts';

export interface SweeperDeps {
  readonly db: Kysely<Database>;
  readonly chain: ConnectedChain;
  /** Must hold the mnemonic: the deposit addresses' keys sign the sweeps. */
  readonly deriver: DepositAddressDeriver;
  /** settings.privateKey: pays the gas top-ups of ERC-20 deposit addresses. */
  readonly hotWalletKey: Secret;
  readonly treasuryAddress: `0x${string}`;
  /**
   * Base units below which a deposit address waits, by lower-case token address (`native` for
   * the coin). Default: the chain config's `min_sweep` of each token.
   */
  readonly minSweep?: ReadonlyMap<string, bigint>;
  /** This process's name in leases: unique per process. */
  readonly holder: string;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How long the sweep lease lasts without renewal; default 60 s. */
  readonly leaseTtlMs?: number;
  /** How long a broadcast transaction may stay unmined before it is replaced with higher fees; default 3 min. */
  readonly replaceAfterMs?: number;
  readonly now?: () => Date;
  /**
   * Tests only: runs after a signed transaction is committed and before it is broadcast.
   * Throwing here is a crash between the two, which the next pass must recover from.
   */
  readonly beforeBroadcast?: (tx: OutgoingTransaction) => void | Promise<void>;
}

export interface SweepPassResult {
  /** Sweeps created this pass for newly confirmed payments. */
  readonly planned: number;
  /** Sweep transactions signed and broadcast this pass (replacements not counted). */
  readonly sent: number;
  /** Payments that became settled this pass. */
  readonly settled: number;
  /** Sweeps held back: below min_sweep, hot wallet short of gas money, payment not confirmed. */
  readonly waiting: number;
  /** True when another process held the chain's sweep lease: nothing was done. */
  readonly busy: boolean;
}
