import type { Settings } from '../config/index.ts';
import type { Secret } from '../config/secret.ts';
import { developmentSweeper } from '../devnet/index.ts';

export type SweepingPlan =
  | {
      readonly on: true;
      readonly hotWalletKey: Secret;
      readonly treasuryAddress: `0x${string}`;
      /** The devnet's public hot wallet and treasury stand in for PRIVATE_KEY / TREASURY_ADDRESS. */
      readonly development: boolean;
    }
  | { readonly on: false; readonly reason: string };

/**
 * Whether this process sweeps, and with which keys: it needs the deposit addresses' keys (a
 * mnemonic, not XPUB), a hot wallet key (PRIVATE_KEY) and a treasury, and SWEEP_ENABLED. On the
 * embedded devnet the development hot wallet and treasury fill in what is not set.
 */
export function planSweeping(
  settings: Pick<Settings, 'sweeper' | 'depositKeys' | 'privateKey'>,
  options: { readonly devnet: boolean },
): SweepingPlan {
  if (!settings.sweeper.enabled) {
    return { on: false, reason: 'SWEEP_ENABLED is false, so funds stay at the deposit addresses' };
  }
  if (settings.depositKeys.kind === 'xpub') {
    return {
      on: false,
      reason:
        'only XPUB is configured, so this process holds no deposit keys; run `ctrip sweep` where MNEMONIC is set',
    };
  }
  const development = options.devnet ? developmentSweeper() : undefined;
  const hotWalletKey = settings.privateKey ?? development?.hotWalletKey;
  const treasuryAddress = settings.sweeper.treasuryAddress ?? development?.treasuryAddress;
  if (!hotWalletKey) {
    return {
      on: false,
      reason: 'PRIVATE_KEY is not set (the hot wallet that pays the gas of token sweeps)',
    };
  }
  if (!treasuryAddress) {
    return { on: false, reason: 'TREASURY_ADDRESS is not set (where swept funds go)' };
  }
  return {
    on: true,
    hotWalletKey,
    treasuryAddress,
    development: hotWalletKey !== settings.privateKey || !settings.sweeper.treasuryAddress,
  };
}
