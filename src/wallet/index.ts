export {
  checkMnemonic,
  checkXpub,
  createDepositAddressDeriver,
  DEVELOPMENT_MNEMONIC,
  type DepositAddressDeriver,
  type DepositKeySource,
  isWellKnownMnemonic,
} from './deposit-address-deriver.ts';
export { WalletError, type WalletErrorCode } from './errors.ts';
export {
  addressOfKey,
  type SignedTransaction,
  type SigningKey,
  signTransaction,
  type UnsignedTransaction,
} from './transaction-signer.ts';
