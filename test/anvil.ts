import { DEVNET_CHAIN_ID, DEVNET_DEPLOYER_KEY } from '../src/devnet/accounts.ts';
import { startAnvilProcess } from '../src/devnet/anvil-process.ts';

/** Anvil's first default account: funded with 10,000 ETH on every fresh node. */
export const ANVIL_PRIVATE_KEY = DEVNET_DEPLOYER_KEY;
export const ANVIL_CHAIN_ID = DEVNET_CHAIN_ID;

export interface AnvilNode {
  /** The JSON-RPC endpoint, on 127.0.0.1 and a free port. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real Anvil node (the binary that `@foundry-rs/anvil` ships for this platform) on a
 * free loopback port, and resolves once it answers JSON-RPC, so suites can each run their own.
 */
export async function startAnvil(options: { blockTimeSeconds?: number } = {}): Promise<AnvilNode> {
  const anvil = await startAnvilProcess({
    chainId: ANVIL_CHAIN_ID,
    blockTimeSeconds: options.blockTimeSeconds,
  });
  return { url: anvil.url, stop: anvil.stop };
}
