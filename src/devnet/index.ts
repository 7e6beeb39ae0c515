export { DEVNET_CHAIN_ID, DEVNET_DEPLOYER_KEY, DEVNET_PAYER_KEYS } from './accounts.ts';
export {
  type AnvilProcess,
  fetchChainId,
  type StartAnvilProcessParams,
  startAnvilProcess,
} from './anvil-process.ts';
export {
  type DeployTestTokensParams,
  deployTestTokens,
  expectedTestTokenAddresses,
  TEST_TOKENS,
  type TestTokenAddresses,
  type TestTokenSpec,
} from './deploy-test-tokens.ts';
export { type DevelopmentSweeper, developmentSweeper } from './development-sweeper.ts';
export {
  DEVNET_FILE,
  DEVNET_STATE_FILE,
  type DevnetInfo,
  findRunningDevnet,
  readDevnetInfo,
} from './devnet-file.ts';
export { DevnetError, type DevnetErrorCode, DevnetNotRunningError } from './errors.ts';
export {
  type PayDevnetPaymentParams,
  type PayDevnetPaymentResult,
  payDevnetPayment,
} from './pay-devnet-payment.ts';
export {
  type ReconcileDevnetCursorParams,
  type ReconcileDevnetCursorResult,
  reconcileDevnetCursor,
} from './reconcile-devnet-cursor.ts';
export {
  DEVNET_CHAIN_NAME,
  DEVNET_CONFIRMATIONS,
  type Devnet,
  type DevnetLogger,
  devnetChainConfig,
  type StartDevnetParams,
  startDevnet,
} from './start-devnet.ts';
