import { sql, type Transaction } from 'kysely';
import { type Address, createWalletClient, erc20Abi, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import { type DevChain, startDevChain } from '../../test/devchain.ts';
import { scanToHead, startTestGateway, type TestGateway } from '../../test/gateway.ts';
import { createChainClient } from '../chains/chain-client.ts';
import { type ConnectedChain, connectChains } from '../chains/connect-chains.ts';
import type { ChainConfig } from '../config/chains-file.ts';
import { Secret } from '../config/secret.ts';
import type { Database } from '../db/models/index.ts';
import { withTransaction } from '../db/transaction.ts';
import { developmentSweeper } from '../devnet/development-sweeper.ts';
import { createPayment } from '../payments/create-payment.ts';
import { expirePayments } from '../payments/expire-payments.ts';
import { reconcilePayments } from '../payments/reconcile-payments.ts';
import type { ChainScanner } from '../scanner/scan-chain.ts';
import { createDepositAddressDeriver } from '../wallet/deposit-address-deriver.ts';
import { addressOfKey } from '../wallet/transaction-signer.ts';
import { releaseSweepLease, sweepChainOnce } from './sweep-chain-once.ts';
import type { SweeperDeps } from './sweeper-deps.ts';

const sweeper = developmentSweeper();
const HOT_WALLET = addressOfKey(sweeper.hotWalletKey);
const TREASURY = sweeper.treasuryAddress;

type TokenSymbol = 'ETH' | 'USDC' | 'DAI' | 'USDT';

describe.each(engines)('sweeping to the treasury on a real chain, %s', (engine) => {
  let chain: DevChain;
  let config: ChainConfig;
  let gateway: TestGateway;
  let scanner: ChainScanner;
  let connected: ConnectedChain;

  beforeAll(async () => {
    chain = await startDevChain();
    config = chain.config({ startBlock: await chain.head() });
    gateway = await startTestGateway(engine, config);
    scanner = await gateway.scanner();
    const result = await connectChains([config], gateway.logger);
    const first = result.connected[0];
    if (!first) throw new Error('the chain did not connect');
    connected = first;
    await scanToHead(scanner);
  }, 60_000);
  afterAll(async () => {
    await gateway?.teardown();
    await chain?.stop();
  });

  function deps(overrides: Partial<SweeperDeps> = {}): SweeperDeps {
    return {
      db: gateway.db,
      chain: connected,
      deriver: gateway.payments.deriver,
      hotWalletKey: sweeper.hotWalletKey,
      treasuryAddress: TREASURY,
      holder: 'test-sweeper',
      logger: gateway.logger,
      ...overrides,
    };
  }

  function tokenAddress(symbol: TokenSymbol): Address | null {
    return symbol === 'ETH' ? null : { USDC: chain.usdc, DAI: chain.dai, USDT: chain.usdt }[symbol];
  }

  async function balanceOf(symbol: TokenSymbol, owner: string): Promise<bigint> {
    const token = tokenAddress(symbol);
    if (token === null) return chain.publicClient.getBalance({ address: owner as Address });
    return chain.publicClient.readContract({
      address: token,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [owner as Address],
    });
  }

  async function pay(symbol: TokenSymbol, to: string, amount: bigint): Promise<void> {
    const token = tokenAddress(symbol);
    if (token === null) await chain.sendNative(to, amount);
    else await chain.sendToken(token, to, amount);
  }

  /** A payment paid in full and confirmed through the real scanner. */
  async function confirmedPayment(symbol: TokenSymbol, amount: string, paid?: bigint) {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: symbol,
      amount,
    });
    await pay(symbol, created.address, paid ?? created.amount);
    await chain.mine(2);
    await scanToHead(scanner);
    expect((await payment(created.id)).status).toBe('confirmed');
    return created;
  }

  async function payment(id: string) {
    return gateway.db
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  async function sweepOf(paymentId: string) {
    return gateway.db
      .selectFrom('sweeps')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .executeTakeFirstOrThrow();
  }

  async function transactionsOf(sweepId: string, purpose: 'sweep' | 'top_up') {
    return gateway.db
      .selectFrom('outgoing_transactions')
      .selectAll()
      .where('sweep_id', '=', sweepId)
      .where('purpose', '=', purpose)
      .orderBy('id')
      .execute();
  }

  async function settledEvents(paymentId: string) {
    const rows = await gateway.db
      .selectFrom('payment_events')
      .select('type')
      .where('payment_id', '=', paymentId)
      .where('type', '=', 'payment.settled')
      .execute();
    return rows.length;
  }

  /** Runs passes, mining a block after each, until the payment is settled. */
  async function sweepUntilSettled(paymentId: string, overrides: Partial<SweeperDeps> = {}) {
    for (let i = 0; i < 12; i++) {
      await sweepChainOnce(deps(overrides));
      if ((await payment(paymentId)).status === 'settled') return;
      await chain.mine(1);
    }
    throw new Error(`payment ${paymentId} was not settled after 12 passes`);
  }

  it.each([
    ['ETH', '0.25'],
    ['DAI', '3.000000000000000001'],
    ['USDC', '12.5'],
    ['USDT', '7'],
  ] as const)(
    'a confirmed %s payment is swept whole to the treasury and settled once',
    async (symbol, amount) => {
      const created = await confirmedPayment(symbol, amount);
      const treasuryBefore = await balanceOf(symbol, TREASURY);
      const hotWalletBefore = await chain.publicClient.getBalance({ address: HOT_WALLET });

      if (symbol !== 'ETH') {
        // The top-up is mined at once (automine) but has 1 of 3 confirmations: no sweep yet.
        expect(await sweepChainOnce(deps())).toMatchObject({ planned: 1, sent: 0 });
        expect(await sweepChainOnce(deps())).toMatchObject({ sent: 0 });
        const waiting = await sweepOf(created.id);
        expect(waiting.status).toBe('topping_up');
        expect(await transactionsOf(waiting.id, 'sweep')).toEqual([]);
      }
      await sweepUntilSettled(created.id);

      const sweep = await sweepOf(created.id);
      expect(sweep.status).toBe('confirmed');
      expect(sweep.confirmed_at).toBeInstanceOf(Date);
      const sent = await transactionsOf(sweep.id, 'sweep');
      expect(sent).toHaveLength(1);
      expect(sent[0]?.status).toBe('confirmed');
      expect(sweep.sweep_tx_id).toBe(sent[0]?.id);
      expect((await balanceOf(symbol, TREASURY)) - treasuryBefore).toBe(sweep.amount);
      expect(await balanceOf(symbol, created.address)).toBe(0n);
      if (symbol === 'ETH') {
        const tx = sent[0];
        expect(sweep.amount).toBe(created.amount - 21_000n * (tx?.max_fee_per_gas ?? 0n));
        expect(await transactionsOf(sweep.id, 'top_up')).toEqual([]);
      } else {
        expect(sweep.amount).toBe(created.amount);
        // The address had no ETH: the hot wallet paid its gas, and exactly that left the hot wallet.
        const topUps = await transactionsOf(sweep.id, 'top_up');
        expect(topUps).toHaveLength(1);
        const topUp = topUps[0];
        expect([topUp?.from_address, topUp?.to_address, topUp?.status]).toEqual([
          HOT_WALLET.toLowerCase(),
          created.address,
          'confirmed',
        ]);
        const receipt = await chain.publicClient.getTransactionReceipt({
          hash: topUp?.tx_hash as Hex,
        });
        const hotWalletAfter = await chain.publicClient.getBalance({ address: HOT_WALLET });
        expect(hotWalletBefore - hotWalletAfter).toBe(
          (topUp?.value ?? 0n) + receipt.gasUsed * receipt.effectiveGasPrice,
        );
      }
      const row = await payment(created.id);
      expect(row.status).toBe('settled');
      // Another pass finds nothing to do: no second transfer, no second event.
      await sweepChainOnce(deps());
      expect(await settledEvents(created.id)).toBe(1);
      expect(await transactionsOf(sweep.id, 'sweep')).toHaveLength(1);
    },
    60_000,
  );

  it('an overpaid payment is swept whole: what the address holds, not the amount due', async () => {
    const created = await confirmedPayment('USDC', '5', 7_250_000n);
    expect((await payment(created.id)).exception).toBe('overpaid');
    const treasuryBefore = await balanceOf('USDC', TREASURY);
    await sweepUntilSettled(created.id);
    expect((await sweepOf(created.id)).amount).toBe(7_250_000n);
    expect((await balanceOf('USDC', TREASURY)) - treasuryBefore).toBe(7_250_000n);
    expect(await payment(created.id)).toMatchObject({ status: 'settled', exception: 'overpaid' });
  }, 60_000);

  it('an expired payment is not swept: its money stays at the address', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'DAI',
      amount: '5',
      expiresIn: 600,
    });
    await pay('DAI', created.address, 10n ** 18n);
    await chain.mine(2);
    await scanToHead(scanner);
    await expirePayments(gateway.db, gateway.policy, new Date(created.expiresAt.getTime() + 1000));
    expect((await payment(created.id)).status).toBe('expired');
    expect(await sweepChainOnce(deps())).toMatchObject({ planned: 0, sent: 0 });
    const sweeps = await gateway.db
      .selectFrom('sweeps')
      .select('id')
      .where('payment_id', '=', created.id)
      .execute();
    expect(sweeps).toEqual([]);
    expect(await balanceOf('DAI', created.address)).toBe(10n ** 18n);
  }, 60_000);

  it('the payment is settled only once the sweep has the chain’s 3 confirmations', async () => {
    const created = await confirmedPayment('ETH', '0.1');
    const first = await sweepChainOnce(deps());
    expect(first.sent).toBe(1);
    const sweep = await sweepOf(created.id);
    const [tx] = await transactionsOf(sweep.id, 'sweep');
    // Automine mines it at once, though the node may answer the send a moment before.
    const receipt = await chain.publicClient.waitForTransactionReceipt({
      hash: tx?.tx_hash as Hex,
      pollingInterval: 50,
    });
    expect(receipt.status).toBe('success');
    // Mined in the head block: one confirmation.
    expect(await sweepChainOnce(deps())).toMatchObject({ settled: 0 });
    expect((await payment(created.id)).status).toBe('confirmed');
    await chain.mine(1);
    expect(await sweepChainOnce(deps())).toMatchObject({ settled: 0 });
    expect((await sweepOf(created.id)).status).toBe('sent');
    await chain.mine(1);
    expect(await sweepChainOnce(deps())).toMatchObject({ settled: 1 });
    expect((await payment(created.id)).status).toBe('settled');
    expect(await settledEvents(created.id)).toBe(1);
  });

  it('a balance below min_sweep waits without a transaction, and is swept once the minimum is reached', async () => {
    const minSweep = new Map([[chain.usdc.toLowerCase(), 5_000_000n]]);
    const created = await confirmedPayment('USDC', '2');
    const treasuryBefore = await balanceOf('USDC', TREASURY);
    const logged = () =>
      gateway.logger.lines.filter(
        (line) =>
          (line.obj as { sweepId?: string }).sweepId !== undefined &&
          line.msg.startsWith('sweep waits') &&
          line.msg.includes(created.address),
      ).length;

    expect(await sweepChainOnce(deps({ minSweep }))).toMatchObject({ sent: 0, waiting: 1 });
    expect(await sweepChainOnce(deps({ minSweep }))).toMatchObject({ sent: 0, waiting: 1 });
    const waiting = await sweepOf(created.id);
    expect(waiting.status).toBe('pending');
    expect(waiting.error).toMatch(/^SWEEP_BELOW_MINIMUM/);
    expect(await transactionsOf(waiting.id, 'sweep')).toEqual([]);
    expect(await transactionsOf(waiting.id, 'top_up')).toEqual([]);
    expect(logged()).toBe(1);

    await pay('USDC', created.address, 4_000_000n);
    await sweepUntilSettled(created.id, { minSweep });
    const sweep = await sweepOf(created.id);
    expect(sweep.amount).toBe(6_000_000n);
    expect(sweep.error).toBeNull();
    expect((await balanceOf('USDC', TREASURY)) - treasuryBefore).toBe(6_000_000n);
    expect(await balanceOf('USDC', created.address)).toBe(0n);
  }, 60_000);

  it('a crash between storing and broadcasting is completed with the same transaction, sent once', async () => {
    const created = await confirmedPayment('ETH', '0.3');
    const treasuryBefore = await balanceOf('ETH', TREASURY);
    const crashed = await sweepChainOnce(
      deps({
        beforeBroadcast: () => {
          throw new Error('simulated crash before broadcast');
        },
      }),
    );
    expect(crashed.sent).toBe(0);
    const sweep = await sweepOf(created.id);
    expect(sweep.status).toBe('sent');
    const [stored] = await transactionsOf(sweep.id, 'sweep');
    expect(stored?.status).toBe('signed');
    expect(
      await chain.publicClient.getTransactionCount({ address: created.address as Address }),
    ).toBe(0);
    expect(await balanceOf('ETH', TREASURY)).toBe(treasuryBefore);

    await sweepUntilSettled(created.id);
    const sent = await transactionsOf(sweep.id, 'sweep');
    expect(sent.map((tx) => tx.tx_hash)).toEqual([stored?.tx_hash]);
    const receipt = await chain.publicClient.getTransactionReceipt({
      hash: stored?.tx_hash as Hex,
    });
    expect(receipt.status).toBe('success');
    expect((await balanceOf('ETH', TREASURY)) - treasuryBefore).toBe(stored?.value);
    expect(await balanceOf('ETH', created.address)).toBe(0n);
    expect(await settledEvents(created.id)).toBe(1);
  }, 60_000);

  it('two passes at once: one sweeps, the other finds the chain busy', async () => {
    const created = await confirmedPayment('DAI', '1');
    // The earlier tests' sweeper gives its lease up, as it does on shutdown.
    await releaseSweepLease(deps());
    const results = await Promise.all([
      sweepChainOnce(deps({ holder: 'sweeper-a' })),
      sweepChainOnce(deps({ holder: 'sweeper-b' })),
    ]);
    expect(results.map((r) => r.busy).sort()).toEqual([false, true]);
    expect(results.find((r) => r.busy)).toEqual({
      planned: 0,
      sent: 0,
      settled: 0,
      waiting: 0,
      busy: true,
    });
    const sweep = await sweepOf(created.id);
    expect(sweep.status).toBe('topping_up');
    expect(await transactionsOf(sweep.id, 'top_up')).toHaveLength(1);
    // Hand the lease over as a restarted process would find it: lapsed.
    await gateway.db.deleteFrom('leases').where('name', '=', 'sweep:anvil').execute();
    await sweepUntilSettled(created.id, { holder: 'sweeper-b' });
    expect(await transactionsOf(sweep.id, 'sweep')).toHaveLength(1);
    expect(await transactionsOf(sweep.id, 'top_up')).toHaveLength(1);
    await releaseSweepLease(deps({ holder: 'sweeper-b' }));
  }, 60_000);

  it('a stuck sweep is replaced with the same nonce and higher fees; one transfer reaches the treasury', async () => {
    const created = await confirmedPayment('ETH', '0.4');
    const treasuryBefore = await balanceOf('ETH', TREASURY);
    await setAutomine(false);
    try {
      expect(await sweepChainOnce(deps())).toMatchObject({ sent: 1 });
      const sweep = await sweepOf(created.id);
      const [original] = await transactionsOf(sweep.id, 'sweep');
      expect(original?.status).toBe('broadcast');
      await sweepChainOnce(deps({ replaceAfterMs: 0 }));
      const rows = await transactionsOf(sweep.id, 'sweep');
      expect(rows).toHaveLength(2);
      const [old, replacement] = rows;
      expect(old?.status).toBe('replaced');
      expect(replacement?.nonce).toBe(old?.nonce);
      expect(replacement?.max_fee_per_gas ?? 0n).toBeGreaterThanOrEqual(
        ((old?.max_fee_per_gas ?? 0n) * 1125n) / 1000n,
      );
      expect((await sweepOf(created.id)).sweep_tx_id).toBe(replacement?.id);
      await chain.mine(1);
    } finally {
      await setAutomine(true);
    }
    await sweepUntilSettled(created.id);
    const sweep = await sweepOf(created.id);
    const [old, replacement] = await transactionsOf(sweep.id, 'sweep');
    expect(replacement?.status).toBe('confirmed');
    expect(sweep.sweep_tx_id).toBe(replacement?.id);
    await expect(
      chain.publicClient.getTransactionReceipt({ hash: old?.tx_hash as Hex }),
    ).rejects.toThrow();
    expect(sweep.amount).toBe(replacement?.value);
    expect((await balanceOf('ETH', TREASURY)) - treasuryBefore).toBe(replacement?.value);
    expect(await balanceOf('ETH', created.address)).toBe(0n);
    expect(await settledEvents(created.id)).toBe(1);
  }, 60_000);

  it('a process with only the xpub refuses to sweep and says why, touching nothing', async () => {
    const created = await confirmedPayment('ETH', '0.05');
    const xpubOnly = createDepositAddressDeriver({
      kind: 'xpub',
      xpub: gateway.payments.deriver.accountXpub,
    });
    await expect(sweepChainOnce(deps({ deriver: xpubOnly }))).rejects.toMatchObject({
      code: 'SWEEP_KEYS_UNAVAILABLE',
    });
    await expect(
      sweepChainOnce(deps({ hotWalletKey: new Secret('0xnot-a-key') })),
    ).rejects.toMatchObject({ code: 'SWEEP_KEYS_UNAVAILABLE' });
    const sweeps = await gateway.db
      .selectFrom('sweeps')
      .select('id')
      .where('payment_id', '=', created.id)
      .execute();
    expect(sweeps).toEqual([]);
    await sweepUntilSettled(created.id);
  }, 60_000);

  it('a stuck gas top-up is replaced with the same nonce; the hot wallet pays one top-up', async () => {
    const created = await confirmedPayment('USDC', '3');
    const hotWalletBefore = await chain.publicClient.getBalance({ address: HOT_WALLET });
    await setAutomine(false);
    try {
      await sweepChainOnce(deps());
      expect((await sweepOf(created.id)).status).toBe('topping_up');
      await sweepChainOnce(deps({ replaceAfterMs: 0 }));
      await chain.mine(1);
    } finally {
      await setAutomine(true);
    }
    const sweep = await sweepOf(created.id);
    const [old, replacement] = await transactionsOf(sweep.id, 'top_up');
    expect(replacement?.nonce).toBe(old?.nonce);
    expect(replacement?.value).toBe(old?.value);
    expect(old?.status).toBe('replaced');
    expect(sweep.top_up_tx_id).toBe(replacement?.id);
    await sweepUntilSettled(created.id);

    const receipt = await chain.publicClient.getTransactionReceipt({
      hash: replacement?.tx_hash as Hex,
    });
    await expect(
      chain.publicClient.getTransactionReceipt({ hash: old?.tx_hash as Hex }),
    ).rejects.toThrow();
    const hotWalletAfter = await chain.publicClient.getBalance({ address: HOT_WALLET });
    expect(hotWalletBefore - hotWalletAfter).toBe(
      (replacement?.value ?? 0n) + receipt.gasUsed * receipt.effectiveGasPrice,
    );
    expect((await transactionsOf(sweep.id, 'top_up')).map((tx) => tx.status)).toEqual([
      'replaced',
      'confirmed',
    ]);
    expect(await transactionsOf(sweep.id, 'sweep')).toHaveLength(1);
    expect(await balanceOf('USDC', created.address)).toBe(0n);
  }, 60_000);

  it('with no RPC endpoint answering, a pass plans, logs one line and stops; the next one sweeps', async () => {
    const first = await confirmedPayment('ETH', '0.01');
    const second = await confirmedPayment('USDT', '1');
    const before = gateway.logger.lines.length;
    // A port nothing listens on: every request is refused, as when the provider is down.
    const unreachable: ConnectedChain = {
      config: { ...config, rpcUrls: ['http://127.0.0.1:9'] },
      client: createChainClient({
        name: 'anvil',
        chainId: config.chainId,
        rpcUrls: ['http://127.0.0.1:9'],
      }),
      verified: false,
    };
    expect(await sweepChainOnce(deps({ chain: unreachable }))).toMatchObject({
      planned: 2,
      sent: 0,
    });
    const lines = gateway.logger.lines.slice(before);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(
      lines.filter((line) => (line.obj as { code?: string }).code === 'RPC_UNAVAILABLE'),
    ).toHaveLength(1);
    expect((await sweepOf(first.id)).status).toBe('pending');
    await sweepUntilSettled(first.id);
    await sweepUntilSettled(second.id);
  }, 60_000);

  /** A wallet client for a payment's deposit address, as someone else holding its key would use it. */
  async function depositWallet(paymentId: string) {
    const row = await payment(paymentId);
    const key = gateway.payments.deriver.privateKeyAt(Number(row.address_index));
    return createWalletClient({
      account: privateKeyToAccount(key),
      chain: foundry,
      transport: http(chain.url),
    });
  }

  it('a sweep that reverts on chain fails loudly, settles nothing and is not retried', async () => {
    const created = await confirmedPayment('DAI', '2');
    // The deposit address (its key used by hand) lets the payer move its DAI, and keeps gas money.
    await chain.sendNative(created.address, 10n ** 16n);
    const wallet = await depositWallet(created.id);
    const payer = chain.payer.account?.address as Address;
    await chain.publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: chain.dai,
        abi: erc20Abi,
        functionName: 'approve',
        args: [payer, 2n ** 255n],
      }),
    });
    const treasuryBefore = await balanceOf('DAI', TREASURY);
    await setAutomine(false);
    let drain: Hex;
    try {
      expect(await sweepChainOnce(deps())).toMatchObject({ sent: 1 });
      // Ahead of the sweep in the same block (a higher tip): the balance it moves is gone.
      drain = await chain.payer.writeContract({
        account: chain.payer.account as never,
        chain: foundry,
        address: chain.dai,
        abi: erc20Abi,
        functionName: 'transferFrom',
        args: [created.address as Address, payer, 1n],
        // The pool's state already has the sweep: an estimate would see this revert.
        gas: 100_000n,
        maxPriorityFeePerGas: 100_000_000_000n,
        maxFeePerGas: 200_000_000_000n,
      });
      await chain.mine(1);
    } finally {
      await setAutomine(true);
    }
    expect((await chain.publicClient.getTransactionReceipt({ hash: drain })).status).toBe(
      'success',
    );
    await chain.mine(2);
    const result = await sweepChainOnce(deps());
    expect(result).toMatchObject({ sent: 0, settled: 0 });
    const sweep = await sweepOf(created.id);
    expect(sweep.status).toBe('failed');
    expect(sweep.error).toMatch(/^SWEEP_REVERTED: /);
    const [tx] = await transactionsOf(sweep.id, 'sweep');
    expect(tx?.status).toBe('failed');
    expect((await payment(created.id)).status).toBe('confirmed');
    expect(await settledEvents(created.id)).toBe(0);
    expect(await balanceOf('DAI', TREASURY)).toBe(treasuryBefore);
    expect(
      gateway.logger.lines.some(
        (line) =>
          line.level === 'error' &&
          (line.obj as { code?: string; sweepId?: string }).code === 'SWEEP_REVERTED' &&
          (line.obj as { sweepId?: string }).sweepId === sweep.id,
      ),
    ).toBe(true);
    // A failed sweep waits for an operator: later passes send nothing.
    await sweepChainOnce(deps());
    expect(await transactionsOf(sweep.id, 'sweep')).toHaveLength(1);
  }, 60_000);

  it('a nonce used by a transaction that is not ours fails the sweep instead of sending another', async () => {
    const created = await confirmedPayment('ETH', '0.2');
    const treasuryBefore = await balanceOf('ETH', TREASURY);
    const wallet = await depositWallet(created.id);
    await setAutomine(false);
    try {
      expect(await sweepChainOnce(deps())).toMatchObject({ sent: 1 });
      const sweep = await sweepOf(created.id);
      const [ours] = await transactionsOf(sweep.id, 'sweep');
      // Someone else with the key spends nonce 0, outbidding the stored sweep in the pool.
      await wallet.sendTransaction({
        to: chain.payer.account?.address as Address,
        value: 1n,
        nonce: 0,
        gas: 21_000n,
        gasPrice: (ours?.max_fee_per_gas ?? 0n) * 2n,
        type: 'legacy',
      });
      await chain.mine(1);
    } finally {
      await setAutomine(true);
    }
    await chain.mine(2);
    // One endpoint's word is not enough (it may lag behind our receipt): the next pass decides.
    expect(await sweepChainOnce(deps())).toMatchObject({ sent: 0, settled: 0 });
    expect(await sweepOf(created.id)).toMatchObject({
      status: 'sent',
      error: expect.stringMatching(/^SWEEP_NONCE_TAKEN: /),
    });
    expect(await sweepChainOnce(deps())).toMatchObject({ sent: 0, settled: 0 });
    const sweep = await sweepOf(created.id);
    expect(sweep.status).toBe('failed');
    expect(sweep.error).toMatch(/^SWEEP_NONCE_TAKEN: /);
    expect((await transactionsOf(sweep.id, 'sweep')).map((tx) => tx.status)).toEqual(['failed']);
    expect(await balanceOf('ETH', TREASURY)).toBe(treasuryBefore);
    expect((await payment(created.id)).status).toBe('confirmed');
  }, 60_000);

  /**
   * The scanner's fall-back after a reorg that put the deposit in a new block: the transfer is
   * unconfirmed again and the scanner's own reconcile moves the payment back, in `trx`.
   */
  async function moveBack(trx: Transaction<Database>, paymentId: string) {
    await trx
      .updateTable('transactions')
      .set({ status: 'pending', confirmations: 1 })
      .where('payment_id', '=', paymentId)
      .execute();
    return reconcilePayments(trx, [paymentId], gateway.policy);
  }

  /** A payment moved back to detected after its sweep was sent; the sweep then confirmed. */
  async function sweptWhileMovedBack(amount: string) {
    const created = await confirmedPayment('ETH', amount);
    expect(await sweepChainOnce(deps())).toMatchObject({ sent: 1 });
    const changes = await withTransaction(gateway.db, (trx) => moveBack(trx, created.id));
    expect(changes).toMatchObject([{ from: 'confirmed', to: 'detected' }]);
    // The sweep reaches its confirmations before the scanner confirms the payment again.
    await chain.mine(2);
    expect(await sweepChainOnce(deps())).toMatchObject({ sent: 0, settled: 0 });
    const sweep = await sweepOf(created.id);
    expect(sweep.status).toBe('confirmed');
    expect((await payment(created.id)).status).toBe('detected');
    expect(await settledEvents(created.id)).toBe(0);
    return { created, sweep };
  }

  it('a payment moved back while its sweep confirmed is settled once confirmed again, with no second transfer', async () => {
    const treasuryBefore = await balanceOf('ETH', TREASURY);
    const { created, sweep } = await sweptWhileMovedBack('0.15');
    expect(
      gateway.logger.lines.filter(
        (line) => (line.obj as { sweepId?: string }).sweepId === sweep.id && line.level !== 'info',
      ),
    ).toMatchObject([{ level: 'warn', obj: { paymentStatus: 'detected' } }]);
    expect(await sweepChainOnce(deps())).toMatchObject({ settled: 0 });
    expect((await payment(created.id)).status).toBe('detected');

    await scanToHead(scanner);
    expect((await payment(created.id)).status).toBe('confirmed');
    expect(await sweepChainOnce(deps())).toMatchObject({ planned: 0, sent: 0, settled: 1 });
    expect((await payment(created.id)).status).toBe('settled');
    expect(await sweepChainOnce(deps())).toMatchObject({ planned: 0, sent: 0, settled: 0 });

    const events = await gateway.db
      .selectFrom('payment_events')
      .select(['type', 'data'])
      .where('payment_id', '=', created.id)
      .orderBy('id')
      .execute();
    expect(events.map((event) => event.type).slice(-3)).toEqual([
      'payment.reverted',
      'payment.confirmed',
      'payment.settled',
    ]);
    expect(await settledEvents(created.id)).toBe(1);
    expect(events.at(-1)?.data).toMatchObject({
      status: 'settled',
      previous_status: 'confirmed',
      amount_received: String(created.amount),
    });
    expect(await transactionsOf(sweep.id, 'sweep')).toHaveLength(1);
    expect((await balanceOf('ETH', TREASURY)) - treasuryBefore).toBe(sweep.amount);
    expect(await balanceOf('ETH', created.address)).toBe(0n);
  }, 60_000);

  it('the scanner moving a payment back while a pass settles it wins: nothing settled, no event', async () => {
    const { created } = await sweptWhileMovedBack('0.12');
    await scanToHead(scanner);
    expect((await payment(created.id)).status).toBe('confirmed');
    let passing: Promise<unknown> | undefined;
    // Another reorg: the scanner holds the payment's row while the pass tries to settle it.
    await withTransaction(gateway.db, async (trx) => {
      await moveBack(trx, created.id);
      passing = sweepChainOnce(deps());
      if (engine === 'postgres') {
        // The pass must be waiting for the payment's row, not yet to start.
        await expect
          .poll(
            async () => {
              const waiting = await sql<{
                n: number;
              }>`select count(*)::int as n from pg_stat_activity
                where datname = current_database() and wait_event_type = 'Lock'`.execute(trx);
              return waiting.rows[0]?.n;
            },
            { timeout: 10_000, interval: 50 },
          )
          .toBe(1);
      }
    });
    expect(await passing).toMatchObject({ settled: 0 });
    expect((await payment(created.id)).status).toBe('detected');
    expect(await settledEvents(created.id)).toBe(0);

    // The scanner recounts confirmations on a new block.
    await chain.mine(1);
    await scanToHead(scanner);
    expect(await sweepChainOnce(deps())).toMatchObject({ settled: 1 });
    expect((await payment(created.id)).status).toBe('settled');
    expect(await settledEvents(created.id)).toBe(1);
  }, 60_000);

  it('over every sweep above, no account’s nonce went to two different transfers', async () => {
    const rows = await gateway.db
      .selectFrom('outgoing_transactions')
      .select(['from_address', 'nonce', 'sweep_id', 'purpose', 'status'])
      .execute();
    const owners = new Map<string, Set<string>>();
    for (const row of rows) {
      const key = `${row.from_address}/${row.nonce}`;
      const owner = owners.get(key) ?? new Set<string>();
      owner.add(`${row.sweep_id}/${row.purpose}`);
      owners.set(key, owner);
    }
    // Replacements share a nonce within one sweep's purpose, never across transfers.
    expect([...owners.values()].filter((owner) => owner.size > 1)).toEqual([]);
    const hotWalletNonces = rows
      .filter((row) => row.from_address === HOT_WALLET)
      .map((row) => row.nonce);
    expect(new Set(hotWalletNonces).size).toBeGreaterThanOrEqual(5);
    // Hot wallet nonces are consecutive: no gap would hold later top-ups in the pool.
    const sorted = [...new Set(hotWalletNonces)].sort((a, b) => Number(a - b));
    expect(sorted).toEqual(sorted.map((_, i) => (sorted[0] ?? 0n) + BigInt(i)));
  });

  async function setAutomine(on: boolean): Promise<void> {
    await chain.publicClient.request({ method: 'evm_setAutomine', params: [on] } as never);
  }
});
