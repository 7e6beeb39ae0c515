import { Secret } from '../config/secret.ts';

/**
 * Anvil's default account 4 (from the public "test test … junk" mnemonic, 10,000 ETH on a
 * fresh node). The devnet deploys from account 0 and pays from accounts 1 to 3, so the hot
 * wallet's nonces never race theirs.
 */
const DEVELOPMENT_HOT_WALLET_KEY =
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a';

/**
 * Anvil's default account 5 (0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc): nothing on the
 * devnet sends from it, so its balance grows by exactly what is swept to it.
 */
const DEVELOPMENT_TREASURY_ADDRESS = '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc';

export interface DevelopmentSweeper {
  /** Pays the gas top-ups of ERC-20 deposit addresses. */
  readonly hotWalletKey: Secret;
  /** Where swept funds go (lower-case). */
  readonly treasuryAddress: `0x${string}`;
}

/**
 * The hot wallet and treasury of the embedded devnet, so a newcomer sees payments reach
 * `settled` with no setup. Both are public Anvil accounts that anyone can spend from: used
 * only on the local devnet, never where PRIVATE_KEY or TREASURY_ADDRESS is set.
 */
export function developmentSweeper(): DevelopmentSweeper {
  return Object.freeze({
    hotWalletKey: new Secret(DEVELOPMENT_HOT_WALLET_KEY),
    treasuryAddress: DEVELOPMENT_TREASURY_ADDRESS,
  });
}
