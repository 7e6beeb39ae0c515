import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import { scanToHead, startTestGateway, type TestGateway } from '../../test/gateway.ts';
import { createPayment } from '../payments/create-payment.ts';
import { DEVNET_STATE_FILE, findRunningDevnet } from './devnet-file.ts';
import type { DevnetError } from './errors.ts';
import { payDevnetPayment } from './pay-devnet-payment.ts';
import { reconcileDevnetCursor } from './reconcile-devnet-cursor.ts';
import { type Devnet, startDevnet } from './start-devnet.ts';

const logger = { info: () => {}, warn: () => {} } as never;
const policy = { latePayments: 'accept' } as const;

describe.each(engines)('the devnet and the database after a restart on %s', (engine) => {
  let dir: string;
  let devnet: Devnet | undefined;
  let gateway: TestGateway | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctrip-devnet-'));
    devnet = await startDevnet({ dataDir: dir, logger });
    gateway = await startTestGateway(engine, devnet.chain);
  });
  afterEach(async () => {
    await devnet?.stop();
    await gateway?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  async function restart(options: { loseState: boolean }): Promise<Devnet> {
    await devnet?.stop();
    if (options.loseState) rmSync(join(dir, DEVNET_STATE_FILE));
    devnet = await startDevnet({ dataDir: dir, logger });
    return devnet;
  }

  async function paymentRow(id: string) {
    return gateway?.db
      .selectFrom('payments')
      .select(['status', 'amount_received'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  it('a paid and confirmed payment survives a clean restart: the cursor is on the loaded chain and scanning goes on without a reorg', async () => {
    if (!gateway || !devnet) throw new Error('not set up');
    const payment = await createPayment(gateway.payments, {
      chain: 'devnet',
      token: 'USDC',
      amount: '12.5',
    });
    await payDevnetPayment(gateway.db, {
      paymentId: payment.id,
      devnet: await findRunningDevnet(dir),
    });
    await scanToHead(await gateway.scanner('devnet-scanner', devnet.chain));
    expect(await paymentRow(payment.id)).toEqual({
      status: 'confirmed',
      amount_received: 12_500_000n,
    });
    const nothingLeft = await payDevnetPayment(gateway.db, {
      paymentId: payment.id,
      devnet: await findRunningDevnet(dir),
    }).catch((e: unknown) => e);
    expect((nothingLeft as DevnetError).code).toBe('DEVNET_NOTHING_TO_PAY');

    const restarted = await restart({ loseState: false });
    const result = await reconcileDevnetCursor(gateway.db, {
      chain: 'devnet',
      url: restarted.url,
      policy,
      logger,
    });
    expect(result).toEqual({ rescanned: false, paymentsAffected: 0 });
    const steps = await scanToHead(await gateway.scanner('devnet-scanner', restarted.chain));
    expect(steps.filter((step) => step.kind === 'reorg')).toEqual([]);
    expect(await paymentRow(payment.id)).toEqual({
      status: 'confirmed',
      amount_received: 12_500_000n,
    });
  });

  it('a chain that lost its state file is scanned again from block 0, and the payment follows it back to pending instead of the scanner halting', async () => {
    if (!gateway || !devnet) throw new Error('not set up');
    const payment = await createPayment(gateway.payments, {
      chain: 'devnet',
      token: 'ETH',
      amount: '0.25',
    });
    await payDevnetPayment(gateway.db, {
      paymentId: payment.id,
      devnet: await findRunningDevnet(dir),
    });
    await scanToHead(await gateway.scanner('devnet-scanner', devnet.chain));
    expect((await paymentRow(payment.id))?.status).toBe('confirmed');

    const fresh = await restart({ loseState: true });
    const result = await reconcileDevnetCursor(gateway.db, {
      chain: 'devnet',
      url: fresh.url,
      policy,
      logger,
    });
    expect(result).toEqual({ rescanned: true, paymentsAffected: 1 });
    await scanToHead(await gateway.scanner('devnet-scanner', fresh.chain));
    expect(await paymentRow(payment.id)).toEqual({ status: 'pending', amount_received: 0n });

    // The fresh chain works as the old one did: paying again confirms the payment.
    await payDevnetPayment(gateway.db, {
      paymentId: payment.id,
      devnet: await findRunningDevnet(dir),
    });
    await scanToHead(await gateway.scanner('devnet-scanner', fresh.chain));
    expect(await paymentRow(payment.id)).toEqual({
      status: 'confirmed',
      amount_received: 250_000_000_000_000_000n,
    });
  });
});
