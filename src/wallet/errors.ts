import { CtripError } from '../errors.ts';

export type WalletErrorCode =
  /** A deposit address index that is not an integer in [0, 2^31). */
  | 'WALLET_INVALID_INDEX'
  /** A private key was asked of a deriver built from an xpub. */
  | 'WALLET_NO_PRIVATE_KEY'
  /** The mnemonic or xpub given to build a deriver is not usable. */
  | 'WALLET_INVALID_KEY_SOURCE'
  /** A key handed to the transaction signer is not a secp256k1 private key. */
  | 'WALLET_INVALID_SIGNING_KEY';

/** Deriving deposit addresses or their keys failed; the message never carries a secret. */
export class WalletError extends CtripError {
  declare readonly code: WalletErrorCode;

  constructor(
    code: WalletErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}
