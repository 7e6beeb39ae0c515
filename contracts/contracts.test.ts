import { createPublicClient, createWalletClient, getAddress, http, parseEventLogs } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noReturnTokenAbi, noReturnTokenBytecode } from '../src/devnet/artifacts/NoReturnToken.ts';
import { testTokenAbi, testTokenBytecode } from '../src/devnet/artifacts/TestToken.ts';
import { ANVIL_PRIVATE_KEY, type AnvilNode, startAnvil } from '../test/anvil.ts';

const RECIPIENT = getAddress('0x00000000000000000000000000000000000000a1');

describe('test tokens on a real Anvil node', () => {
  let anvil: AnvilNode;
  let wallet: ReturnType<typeof createWalletClient>;
  let chain: ReturnType<typeof createPublicClient>;
  const account = privateKeyToAccount(ANVIL_PRIVATE_KEY);

  beforeAll(async () => {
    anvil = await startAnvil();
    wallet = createWalletClient({ account, chain: foundry, transport: http(anvil.url) });
    chain = createPublicClient({ chain: foundry, transport: http(anvil.url) });
  });
  afterAll(() => anvil?.stop());

  async function deploy(
    abi: typeof testTokenAbi | typeof noReturnTokenAbi,
    bytecode: `0x${string}`,
  ) {
    const hash = await wallet.deployContract({
      abi,
      bytecode,
      args: ['Test USD', 'TUSD', 6],
      account,
      chain: foundry,
    });
    const receipt = await chain.waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress) throw new Error('no contract deployed');
    return receipt.contractAddress;
  }

  /** Mints `amount` of a test token to the funded account and waits for it to be mined. */
  async function mintToSelf(address: `0x${string}`, amount: bigint) {
    // Both tokens share mint(address,uint256); the TestToken ABI describes it for either.
    const hash = await wallet.writeContract({
      address,
      abi: testTokenAbi,
      functionName: 'mint',
      args: [account.address, amount],
      account,
      chain: foundry,
    });
    await chain.waitForTransactionReceipt({ hash });
  }

  it('TestToken has the decimals it was given, mints, and logs a Transfer per transfer', async () => {
    const token = await deploy(testTokenAbi, testTokenBytecode);
    expect(
      await chain.readContract({ address: token, abi: testTokenAbi, functionName: 'decimals' }),
    ).toBe(6);

    await mintToSelf(token, 2n ** 200n);
    const transfer = await wallet.writeContract({
      address: token,
      abi: testTokenAbi,
      functionName: 'transfer',
      args: [RECIPIENT, 1_500_000n],
      account,
      chain: foundry,
    });
    const receipt = await chain.waitForTransactionReceipt({ hash: transfer });
    const [log] = parseEventLogs({ abi: testTokenAbi, logs: receipt.logs, eventName: 'Transfer' });
    expect(log?.args).toEqual({ from: account.address, to: RECIPIENT, value: 1_500_000n });
    expect(
      await chain.readContract({
        address: token,
        abi: testTokenAbi,
        functionName: 'balanceOf',
        args: [RECIPIENT],
      }),
    ).toBe(1_500_000n);
  });

  it('NoReturnToken transfers like USDT: the call succeeds and returns no data', async () => {
    const token = await deploy(noReturnTokenAbi, noReturnTokenBytecode);
    await mintToSelf(token, 10n);
    const { data } = await chain.call({
      account: account.address,
      to: token,
      data: '0xa9059cbb000000000000000000000000000000000000000000000000000000000000a1000000000000000000000000000000000000000000000000000000000000000003',
    });
    expect(data).toBeUndefined();
    const transfer = await wallet.writeContract({
      address: token,
      abi: noReturnTokenAbi,
      functionName: 'transfer',
      args: [RECIPIENT, 3n],
      account,
      chain: foundry,
    });
    expect((await chain.waitForTransactionReceipt({ hash: transfer })).status).toBe('success');
    expect(
      await chain.readContract({
        address: token,
        abi: noReturnTokenAbi,
        functionName: 'balanceOf',
        args: [RECIPIENT],
      }),
    ).toBe(3n);
  });
});
