import { dirname } from 'node:path';
import { type Address, createPublicClient, erc20Abi, http } from 'viem';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCtrip } from '../../../test/cli.ts';
import { type OpenDatabase, setupMigratedDatabase } from '../../../test/database.ts';
import { syncTokens } from '../../chains/sync-tokens.ts';
import type { ChainConfig } from '../../config/chains-file.ts';
import { type Devnet, startDevnet } from '../../devnet/index.ts';
import { createPayment, type PaymentDeps } from '../../payments/create-payment.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../../wallet/index.ts';

const logger = { info: () => {}, warn: () => {} } as never;
const TX_HASH = /^0x[0-9a-f]{64}$/;

// Payments on it are refused; it is never reached.
const OTHER_CHAIN: ChainConfig = {
  name: 'othernet',
  chainId: 10,
  rpcUrls: ['http://127.0.0.1:1'],
  confirmations: { kind: 'depth', blocks: 2 },
  reorgWindow: 16,
  pollIntervalMs: 1000,
  maxBlockRange: 500,
  startBlock: 0n,
  native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
  tokens: [],
};

describe('ctrip devnet pay', () => {
  let opened: OpenDatabase;
  let devnet: Devnet;
  let deps: PaymentDeps;
  let env: Record<string, string>;

  beforeAll(async () => {
    opened = await setupMigratedDatabase('sqlite');
    const target = opened.database.settings.target;
    if (target.engine !== 'sqlite') throw new Error('expected a SQLite database');
    // Where `ctrip start` would run it: beside the SQLite file.
    devnet = await startDevnet({ dataDir: dirname(target.filename), logger });
    await syncTokens(opened.handle.db, [devnet.chain, OTHER_CHAIN]);
    deps = {
      db: opened.handle.db,
      deriver: createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC }),
      policy: { defaultLifetimeSeconds: 1800, lateWindowSeconds: 86_400 },
    };
    env = opened.database.env;
  });
  afterAll(async () => {
    await devnet?.stop();
    await opened?.teardown();
  });

  const chain = () => createPublicClient({ chain: foundry, transport: http(devnet.url) });
  const usdcBalance = (address: string) =>
    chain().readContract({
      address: devnet.tokens.USDC,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [address as Address],
    });

  it('pays what the payment asks from a funded account and prints the transaction hash', async () => {
    const payment = await createPayment(deps, { chain: 'devnet', token: 'USDC', amount: '10' });
    const result = await runCtrip(['devnet', 'pay', payment.id], env);
    expect(result.stderr).toContain(`paid 10 USDC to ${payment.address}`);
    expect(result.code).toBe(0);
    const txHash = result.stdout.trim();
    expect(txHash).toMatch(TX_HASH);
    expect(await usdcBalance(payment.address)).toBe(10_000_000n);
    const receipt = await chain().getTransactionReceipt({ hash: txHash as `0x${string}` });
    expect(receipt.to).toBe(devnet.tokens.USDC);
    // The confirmation depth is mined on top, so the scanner can confirm it.
    expect(await chain().getBlockNumber({ cacheTime: 0 })).toBe(receipt.blockNumber + 2n);
  });

  it('--amount sends that many token units, a part of the payment', async () => {
    const payment = await createPayment(deps, { chain: 'devnet', token: 'USDC', amount: '10' });
    const result = await runCtrip(['devnet', 'pay', payment.id, '--amount', '2.5'], env);
    expect(result.code).toBe(0);
    expect(await usdcBalance(payment.address)).toBe(2_500_000n);
  });

  it('--json prints the transaction hash, the amount in token units, the token and the deposit address; ETH is sent as a plain transfer', async () => {
    const payment = await createPayment(deps, { chain: 'devnet', token: 'ETH', amount: '0.5' });
    const result = await runCtrip(['devnet', 'pay', payment.id, '--json'], env);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed).toEqual({
      tx_hash: expect.stringMatching(TX_HASH),
      amount: '0.5',
      token: 'ETH',
      to: payment.address,
    });
    expect(await chain().getBalance({ address: payment.address })).toBe(5n * 10n ** 17n);
  });

  it('an unknown payment id is one line and exit code 1', async () => {
    const result = await runCtrip(['devnet', 'pay', '01900000-0000-7000-8000-000000000000'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: payment 01900000-0000-7000-8000-000000000000 does not exist\n',
    );
  });

  it('a payment on another chain is refused', async () => {
    const payment = await createPayment(deps, { chain: 'othernet', token: 'ETH', amount: '1' });
    const result = await runCtrip(['devnet', 'pay', payment.id], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: payment ${payment.id} is on othernet; ctrip devnet pays devnet payments only\n`,
    );
  });

  it('an --amount with more decimals than the token has is a usage error (exit code 2)', async () => {
    const payment = await createPayment(deps, { chain: 'devnet', token: 'USDC', amount: '1' });
    const result = await runCtrip(['devnet', 'pay', payment.id, '--amount', '1.2345678'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: --amount has 7 decimal places; this token allows at most 6\n',
    );
  });

  it('with no devnet running it says to start the gateway', async () => {
    const elsewhere = await setupMigratedDatabase('sqlite');
    try {
      const result = await runCtrip(
        ['devnet', 'pay', '01900000-0000-7000-8000-000000000000'],
        elsewhere.database.env,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('error: no devnet is running; start the gateway with npm start\n');
    } finally {
      await elsewhere.teardown();
    }
  });
});
