import {
  type Address,
  createPublicClient,
  createWalletClient,
  getContractAddress,
  type Hex,
  http,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { DEVNET_DEPLOYER_KEY } from './accounts.ts';
import { noReturnTokenAbi, noReturnTokenBytecode } from './artifacts/NoReturnToken.ts';
import { testTokenAbi, testTokenBytecode } from './artifacts/TestToken.ts';
import { DevnetError } from './errors.ts';

export interface TestTokenSpec {
  readonly symbol: string;
  readonly decimals: number;
  /** `no-return`: `transfer` returns nothing, as USDT's does on Ethereum. */
  readonly kind: 'standard' | 'no-return';
}

/** The devnet's tokens, in deployment order (their addresses follow from it). */
export const TEST_TOKENS = [
  { symbol: 'USDC', decimals: 6, kind: 'standard' },
  { symbol: 'DAI', decimals: 18, kind: 'standard' },
  { symbol: 'USDT', decimals: 6, kind: 'no-return' },
] as const satisfies readonly TestTokenSpec[];

/** Lower-case contract addresses by symbol. */
export type TestTokenAddresses<S extends string = (typeof TEST_TOKENS)[number]['symbol']> =
  Readonly<Record<S, Address>>;

export interface DeployTestTokensParams<T extends readonly TestTokenSpec[]> {
  readonly rpcUrl: string;
  /** Each receives `mintAmount` of every token. */
  readonly recipients: readonly Address[];
  /** Base units minted to each recipient; a million tokens by default. */
  readonly mintAmount?: (token: TestTokenSpec) => bigint;
  /** `TEST_TOKENS` by default. */
  readonly tokens?: T;
  /** Anvil's account 0 by default. */
  readonly deployerKey?: Hex;
}

const DEFAULT_MINT = (token: TestTokenSpec) => 1_000_000n * 10n ** BigInt(token.decimals);

/**
 * Deploys the test tokens and mints them to the recipients. All deployments go first, from
 * consecutive nonces, so on a fresh node their addresses are those `expectedTestTokenAddresses`
 * predicts. Throws `DevnetError` (DEVNET_START_FAILED) when a transaction fails.
 */
export async function deployTestTokens<
  const T extends readonly TestTokenSpec[] = typeof TEST_TOKENS,
>(params: DeployTestTokensParams<T>): Promise<TestTokenAddresses<T[number]['symbol']>> {
  const tokens: readonly TestTokenSpec[] = params.tokens ?? TEST_TOKENS;
  const mintAmount = params.mintAmount ?? DEFAULT_MINT;
  const transport = http(params.rpcUrl);
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
  const account = privateKeyToAccount(params.deployerKey ?? DEVNET_DEPLOYER_KEY);
  const wallet = createWalletClient({ account, chain: foundry, transport });

  // Explicit nonces: the transactions go out together and still land in this order, whether
  // the node mines each at once or on an interval.
  let nonce = await publicClient.getTransactionCount({
    address: account.address,
    blockTag: 'pending',
  });
  const deployments: Hex[] = [];
  for (const token of tokens) {
    deployments.push(
      await wallet.deployContract({
        abi: token.kind === 'standard' ? testTokenAbi : noReturnTokenAbi,
        bytecode: token.kind === 'standard' ? testTokenBytecode : noReturnTokenBytecode,
        args: [`Test ${token.symbol}`, token.symbol, token.decimals],
        nonce: nonce++,
      }),
    );
  }
  const addresses: Address[] = [];
  for (const [i, hash] of deployments.entries()) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success' || !receipt.contractAddress) {
      throw new DevnetError('DEVNET_START_FAILED', `${tokens[i]?.symbol} was not deployed`);
    }
    addresses.push(receipt.contractAddress.toLowerCase() as Address);
  }

  const mints: Hex[] = [];
  for (const [i, token] of tokens.entries()) {
    for (const recipient of params.recipients) {
      mints.push(
        await wallet.writeContract({
          address: addresses[i] as Address,
          abi: testTokenAbi,
          functionName: 'mint',
          args: [recipient, mintAmount(token)],
          nonce: nonce++,
        }),
      );
    }
  }
  for (const hash of mints) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') {
      throw new DevnetError('DEVNET_START_FAILED', 'minting the test tokens failed');
    }
  }
  return Object.fromEntries(
    tokens.map((token, i) => [token.symbol, addresses[i]]),
  ) as TestTokenAddresses<T[number]['symbol']>;
}

/**
 * Where `deployTestTokens` puts `TEST_TOKENS` on a node where the deployer has sent nothing
 * yet: contract addresses follow from the sender and its nonce alone.
 */
export function expectedTestTokenAddresses(
  deployerKey: Hex = DEVNET_DEPLOYER_KEY,
): TestTokenAddresses {
  const from = privateKeyToAccount(deployerKey).address;
  return Object.fromEntries(
    TEST_TOKENS.map((token, i) => [
      token.symbol,
      getContractAddress({ from, nonce: BigInt(i) }).toLowerCase(),
    ]),
  ) as TestTokenAddresses;
}
