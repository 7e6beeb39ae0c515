import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import { type DevChain, startDevChain } from '../../test/devchain.ts';
import { scanToHead, startTestGateway, type TestGateway } from '../../test/gateway.ts';
import type { ChainConfig } from '../config/chains-file.ts';
import { createPayment } from '../payments/create-payment.ts';
import { expirePayments } from '../payments/expire-payments.ts';
import type { ChainScanner } from './scan-chain.ts';

const UNRELATED = '0x00000000000000000000000000000000000000a1';

describe.each(engines)('payments on a real chain, %s', (engine) => {
  let chain: DevChain;
  let config: ChainConfig;
  let gateway: TestGateway;
  let scanner: ChainScanner;

  beforeAll(async () => {
    chain = await startDevChain();
    config = chain.config({ startBlock: await chain.head() });
    gateway = await startTestGateway(engine, config);
    scanner = await gateway.scanner();
    await scanToHead(scanner);
  });
  afterAll(async () => {
    await gateway?.teardown();
    await chain?.stop();
  });

  async function payment(id: string) {
    return gateway.db
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  async function eventTypes(id: string) {
    const rows = await gateway.db
      .selectFrom('payment_events')
      .select('type')
      .where('payment_id', '=', id)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.type);
  }

  async function transfers(id: string) {
    return gateway.db
      .selectFrom('transactions')
      .selectAll()
      .where('payment_id', '=', id)
      .orderBy('block_number')
      .execute();
  }

  /** Mines `blocks` empty blocks and scans up to the new head. */
  async function mineAndScan(blocks: number) {
    if (blocks > 0) await chain.mine(blocks);
    return scanToHead(scanner);
  }

  it.each([
    ['ETH', '0.25', 250_000_000_000_000_000n],
    ['USDC', '12.5', 12_500_000n],
    ['DAI', '3.000000000000000001', 3_000_000_000_000_000_001n],
    ['USDT', '7', 7_000_000n],
  ])(
    'an exact payment in %s is detected, then confirmed after the required blocks',
    async (token, amount, baseUnits) => {
      const created = await createPayment(gateway.payments, { chain: 'anvil', token, amount });
      expect(created.amount).toBe(baseUnits);
      if (token === 'ETH') await chain.sendNative(created.address, baseUnits);
      else {
        const address = { USDC: chain.usdc, DAI: chain.dai, USDT: chain.usdt }[token];
        await chain.sendToken(address as `0x${string}`, created.address, baseUnits);
      }
      await mineAndScan(0);
      let row = await payment(created.id);
      expect(row.status).toBe('detected');
      expect(row.amount_received).toBe(baseUnits);
      expect(row.confirmations).toBe(1);

      await mineAndScan(1);
      expect((await payment(created.id)).status).toBe('detected');
      await mineAndScan(1);
      row = await payment(created.id);
      expect(row.status).toBe('confirmed');
      expect(row.exception).toBeNull();
      expect(row.confirmations).toBe(3);
      expect(row.confirmed_at).toBeInstanceOf(Date);
      expect(await eventTypes(created.id)).toEqual([
        'payment.created',
        'payment.detected',
        'payment.confirmed',
      ]);
      const [transfer] = await transfers(created.id);
      expect(transfer?.status).toBe('confirmed');
      expect(transfer?.log_index).toBe(token === 'ETH' ? -1 : transfer?.log_index);
    },
  );

  it('two partial transfers add up to one confirmed payment', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'USDC',
      amount: '10',
    });
    await chain.sendToken(chain.usdc, created.address, 4_000_000n);
    await mineAndScan(0);
    let row = await payment(created.id);
    expect([row.status, row.amount_received, row.exception]).toEqual([
      'detected',
      4_000_000n,
      null,
    ]);
    await chain.sendToken(chain.usdc, created.address, 6_000_000n);
    await mineAndScan(3);
    row = await payment(created.id);
    expect([row.status, row.amount_received, row.exception]).toEqual([
      'confirmed',
      10_000_000n,
      null,
    ]);
    expect(await transfers(created.id)).toHaveLength(2);
  });

  it('an overpayment confirms the payment and flags it overpaid', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'ETH',
      amount: '1',
    });
    await chain.sendNative(created.address, 1_500_000_000_000_000_000n);
    await mineAndScan(3);
    const row = await payment(created.id);
    expect([row.status, row.exception, row.amount_received]).toEqual([
      'confirmed',
      'overpaid',
      1_500_000_000_000_000_000n,
    ]);
    expect(await eventTypes(created.id)).toEqual([
      'payment.created',
      'payment.detected',
      'payment.confirmed',
      'payment.overpaid',
    ]);
    // Seen and confirmed within one scan step: each event still shows the payment as it stood
    // at that event (what its webhook carries).
    const events = await gateway.db
      .selectFrom('payment_events')
      .select(['type', 'data'])
      .where('payment_id', '=', created.id)
      .orderBy('id')
      .execute();
    expect(
      events.map((e) => {
        const data = e.data as { status: string; previous_status: string | null };
        return [e.type, data.previous_status, data.status];
      }),
    ).toEqual([
      ['payment.created', null, 'pending'],
      ['payment.detected', 'pending', 'detected'],
      ['payment.confirmed', 'detected', 'confirmed'],
      ['payment.overpaid', 'confirmed', 'confirmed'],
    ]);
  });

  it('an underpayment that runs out of time expires underpaid, and its money stays recorded', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'DAI',
      amount: '5',
      expiresIn: 600,
    });
    await chain.sendToken(chain.dai, created.address, 2n * 10n ** 18n);
    await mineAndScan(3);
    expect((await payment(created.id)).status).toBe('detected');

    const changes = await expirePayments(
      gateway.db,
      gateway.policy,
      new Date(created.expiresAt.getTime() + 1000),
    );
    expect(changes.map((c) => c.paymentId)).toContain(created.id);
    const row = await payment(created.id);
    expect([row.status, row.exception, row.amount_received]).toEqual([
      'expired',
      'underpaid',
      2n * 10n ** 18n,
    ]);
    expect((await eventTypes(created.id)).slice(-2)).toEqual([
      'payment.expired',
      'payment.underpaid',
    ]);
    expect(await transfers(created.id)).toHaveLength(1);
  });

  it('ignores a token that is not allow-listed, a transfer to an unrelated address, and a reverted transfer', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'USDC',
      amount: '1',
    });
    await chain.sendToken(chain.unlisted, created.address, 1_000_000n);
    await chain.sendToken(chain.usdc, UNRELATED, 1_000_000n);
    await chain.sendNative(UNRELATED, 10n ** 18n);
    const reverted = await chain.sendRevertingTokenTransfer(chain.usdc, created.address);
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: reverted });
    expect(receipt.status).toBe('reverted');
    await mineAndScan(3);
    const row = await payment(created.id);
    expect([row.status, row.amount_received]).toEqual(['pending', 0n]);
    expect(await transfers(created.id)).toEqual([]);
    const stray = await gateway.db
      .selectFrom('transactions')
      .select('id')
      .where('tx_hash', '=', reverted)
      .execute();
    expect(stray).toEqual([]);
  });

  it('records money of another accepted token without counting it towards the payment', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'USDC',
      amount: '2',
    });
    await chain.sendToken(chain.usdt, created.address, 2_000_000n);
    await mineAndScan(3);
    const row = await payment(created.id);
    expect([row.status, row.amount_received]).toEqual(['pending', 0n]);
    const [transfer] = await transfers(created.id);
    expect(transfer?.amount).toBe(2_000_000n);
  });

  it('a rescan from an earlier cursor counts nothing twice', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'ETH',
      amount: '0.1',
    });
    await chain.sendNative(created.address, 10n ** 17n);
    await mineAndScan(3);
    const before = await gateway.db.selectFrom('transactions').select('id').execute();
    const state = await gateway.db
      .selectFrom('chain_states')
      .select(['last_scanned_block'])
      .where('chain', '=', 'anvil')
      .executeTakeFirstOrThrow();
    // Rewind the cursor (and the ring with it) ten blocks, as a restore from backup would.
    const rewindTo = (state.last_scanned_block ?? 0n) - 10n;
    const ancestor = await chain.publicClient.getBlock({ blockNumber: rewindTo });
    await gateway.db
      .updateTable('chain_states')
      .set({ last_scanned_block: rewindTo, last_scanned_hash: ancestor.hash })
      .where('chain', '=', 'anvil')
      .execute();
    await gateway.db.deleteFrom('chain_headers').where('number', '>', rewindTo).execute();
    await mineAndScan(0);
    const after = await gateway.db.selectFrom('transactions').select('id').execute();
    expect(after.map((r) => r.id).sort()).toEqual(before.map((r) => r.id).sort());
    const row = await payment(created.id);
    expect([row.status, row.amount_received]).toEqual(['confirmed', 10n ** 17n]);
    expect((await eventTypes(created.id)).filter((t) => t === 'payment.confirmed')).toHaveLength(1);
  });

  it('a reorg that removes a confirmed payment’s transfer reverts it; the replacement transfer counts once', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'USDC',
      amount: '3',
    });
    const first = await chain.sendToken(chain.usdc, created.address, 3_000_000n);
    await mineAndScan(3);
    expect((await payment(created.id)).status).toBe('confirmed');

    // Replace the transfer's block and the three after it with empty ones: same height.
    await chain.reorg(4);
    const steps = await mineAndScan(0);
    expect(steps.some((s) => s.kind === 'reorg')).toBe(true);
    let row = await payment(created.id);
    expect([row.status, row.amount_received, row.confirmed_at]).toEqual(['pending', 0n, null]);
    expect((await eventTypes(created.id)).at(-1)).toBe('payment.reverted');
    const [removed] = await transfers(created.id);
    expect([removed?.tx_hash, removed?.status]).toEqual([first, 'removed']);

    await chain.sendToken(chain.usdc, created.address, 3_000_000n);
    await mineAndScan(3);
    row = await payment(created.id);
    expect([row.status, row.amount_received]).toEqual(['confirmed', 3_000_000n]);
    const all = await transfers(created.id);
    expect(all.map((t) => t.status).sort()).toEqual(['confirmed', 'removed']);
    expect(await eventTypes(created.id)).toEqual([
      'payment.created',
      'payment.detected',
      'payment.confirmed',
      'payment.reverted',
      'payment.detected',
      'payment.confirmed',
    ]);
  });

  it('money sent while the watch window was open is recorded even when the scan comes after it closed', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'ETH',
      amount: '0.2',
    });
    const hash = await chain.sendNative(created.address, 2n * 10n ** 17n);
    const receipt = await chain.publicClient.getTransactionReceipt({ hash });
    const block = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    // The window closes just after the transfer's block, and the worker was down until now.
    const closed = new Date(Number(block.timestamp) * 1000 + 1);
    await gateway.db
      .updateTable('payments')
      .set({ watch_until: closed })
      .where('id', '=', created.id)
      .execute();
    while (Date.now() <= closed.getTime()) await new Promise((r) => setTimeout(r, 50));
    await mineAndScan(3);
    const row = await payment(created.id);
    expect([row.status, row.amount_received]).toEqual(['confirmed', 2n * 10n ** 17n]);
  });

  it('a second scanner of the same chain waits while the first holds the lease', async () => {
    const other = await gateway.scanner('another-process');
    expect(await other.scanOnce()).toEqual({ kind: 'busy' });
    await scanner.release();
    const step = await other.scanOnce();
    expect(step.kind).not.toBe('busy');
    expect(await scanner.scanOnce()).toEqual({ kind: 'busy' });
    await other.release();
  });

  it('late money after expiry is recorded, flagged late, and still confirms the payment (accept policy)', async () => {
    const created = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'ETH',
      amount: '0.5',
      expiresIn: 60,
    });
    await expirePayments(gateway.db, gateway.policy, new Date(created.expiresAt.getTime() + 1));
    expect((await payment(created.id)).status).toBe('expired');
    // The chain's clock passes the expiry: the transfer's block is after it.
    await chain.publicClient.request({ method: 'evm_increaseTime', params: [120] } as never);
    await chain.sendNative(created.address, 5n * 10n ** 17n);
    await mineAndScan(0);
    let row = await payment(created.id);
    expect([row.status, row.exception]).toEqual(['detected', 'late']);
    await mineAndScan(3);
    row = await payment(created.id);
    expect([row.status, row.exception, row.amount_received]).toEqual([
      'confirmed',
      'late',
      5n * 10n ** 17n,
    ]);
    expect(await eventTypes(created.id)).toEqual([
      'payment.created',
      'payment.expired',
      'payment.detected',
      'payment.late',
      'payment.confirmed',
    ]);
  });
});
