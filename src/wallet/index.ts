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
