/**
 * Anvil's default accounts (from the public "test test … junk" mnemonic), each funded with
 * 10,000 ETH on a fresh node. Anyone knows these keys: they belong on a local devnet only.
 */

/** The devnet's chain id (Anvil's default). */
export const DEVNET_CHAIN_ID = 31337;

/** Account 0: deploys the test tokens and mints them. */
export const DEVNET_DEPLOYER_KEY =
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const;

/**
 * Accounts 1 to 3: hold the test tokens and pay payments. `ctrip devnet pay` uses the first;
 * the others are there for a wallet (MetaMask) to import, apart from the deployer's nonces.
 */
export const DEVNET_PAYER_KEYS = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
] as const;
