import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCtrip } from '../../../test/cli.ts';
import { engines } from '../../../test/database.ts';
import { type DevChain, startDevChain, writeChainsFile } from '../../../test/devchain.ts';
import { startTestGateway, type TestGateway } from '../../../test/gateway.ts';
import { deleteKeysUnder, REDIS_URL, uniqueQueuePrefix } from '../../../test/redis.ts';
import {
  closedPort,
  killAllProcesses,
  type RunningProcess,
  startCtrip,
  waitUntil,
} from '../../../test/scripts/processes.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/webhook-receiver.ts';
import { Secret } from '../../config/secret.ts';
import { newId } from '../../db/ids.ts';
import { createPayment } from '../../payments/create-payment.ts';
import { DEVELOPMENT_MNEMONIC } from '../../wallet/index.ts';
import { generateEndpointSecret, sealEndpointSecret } from '../../webhooks/endpoint-secrets.ts';

const SECRET_KEY = new Secret('worker-process-tests-secret-key-0123456789');
/** Anvil's account 4: the hot wallet of the sweeps (a valid key is all these tests need). */
const HOT_WALLET_KEY = '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a';
/** The xpub of a generated, never funded mnemonic (m/44'/60'/0'). */
const XPUB =
  'xpub6DWkdnA5gTHCc1LueTYZEr5zLZ3FdRgXMHWPNTLAJE96v3jvj3wX4uDEzTE7gwpJ85N9AVXikDGVwyLEzdsww6TcNtiXag8UZzYMCXy7Dbn';
const SHUTDOWN_TIMEOUT_MS = 1_500;
const WAIT_MS = 60_000;

describe.each(engines)('ctrip worker on Redis and %s', (engine) => {
  let chain: DevChain;
  let gateway: TestGateway;
  let receiver: WebhookReceiver;
  let dir: string;
  let prefix: string;

  beforeAll(async () => {
    chain = await startDevChain();
  });
  afterAll(() => chain?.stop());
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctrip-worker-'));
    prefix = uniqueQueuePrefix();
    gateway = await startTestGateway(engine, chain.config());
  });
  afterEach(async () => {
    await killAllProcesses();
    await receiver?.close();
    await gateway?.teardown();
    await deleteKeysUnder(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  async function workerEnv(): Promise<Record<string, string>> {
    const chainsFile = writeChainsFile(chain, dir, {
      startBlock: (await chain.head()) + 1n,
      pollIntervalMs: 100,
    });
    return {
      ...gateway.opened.database.env,
      LOG_LEVEL: 'info',
      CHAINS_FILE: chainsFile,
      REDIS_URL,
      JOBS_QUEUE_PREFIX: prefix,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      // Far longer than the shutdown timeout: the hanging request is still in hand then.
      WEBHOOK_TIMEOUT_MS: '60000',
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      SECRET_KEY: SECRET_KEY.reveal(),
      MNEMONIC: DEVELOPMENT_MNEMONIC,
      PRIVATE_KEY: HOT_WALLET_KEY,
    };
  }

  /** An endpoint of the default store at the receiver, and a payment: one delivery to make. */
  async function paymentWithEndpoint(url: string): Promise<string> {
    const store = await gateway.db
      .selectFrom('stores')
      .select('id')
      .where('name', '=', 'default')
      .executeTakeFirstOrThrow();
    await gateway.db
      .insertInto('webhook_endpoints')
      .values({
        id: newId(),
        store_id: store.id,
        url,
        event_types: null,
        enabled: true,
        secret: sealEndpointSecret(generateEndpointSecret(), SECRET_KEY),
        previous_secret: null,
        previous_secret_expires_at: null,
      })
      .execute();
    const payment = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'USDC',
      amount: '3',
    });
    return payment.id;
  }

  function holderOf(worker: RunningProcess): string | undefined {
    return worker.logs().find((line) => line.msg === 'worker started')?.holder as string;
  }

  it('SIGTERM with a delivery in hand: exits 0 within the shutdown timeout, gives up its leases, and hands the delivery back to another worker', async () => {
    // The first request hangs past the shutdown timeout; later ones are answered at once.
    receiver = await startWebhookReceiver({ replies: ['hang', 200] });
    const paymentId = await paymentWithEndpoint(receiver.url);
    const env = await workerEnv();

    const first = startCtrip(['worker'], { env, cwd: dir });
    await receiver.waitForRequests(1, WAIT_MS).catch((error) => {
      throw new Error(`${error}\n${first.output()}`);
    });
    const holder = holderOf(first);
    expect(holder, first.output()).toBeDefined();
    expect(first.logs().find((l) => l.msg === 'worker started')?.driver).toBe('bullmq');
    expect(first.logs().some((l) => l.msg === 'sweeping is on')).toBe(true);

    const since = Date.now();
    first.kill('SIGTERM');
    expect(await first.exited, first.output()).toEqual({ code: 0, signal: null });
    const took = Date.now() - since;
    expect(took).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS - 100);
    expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 4_000);
    expect(first.logs().find((l) => l.msg === 'worker stopped')).toMatchObject({ handedBack: 1 });
    const held = await gateway.db
      .selectFrom('leases')
      .select('name')
      .where('holder', '=', holder ?? '')
      .execute();
    expect(held).toEqual([]);
    // The attempt cut short was never recorded.
    const delivery = await gateway.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .executeTakeFirstOrThrow();
    expect(delivery).toMatchObject({ status: 'pending', attempts: 0 });

    // The job went back to the queue: another worker delivers it at once, long before the
    // first worker's claim on the delivery (timeout + 30 s) would have lapsed.
    const second = startCtrip(['worker'], { env, cwd: dir });
    await waitUntil(
      'the delivery delivered by the second worker',
      async () => {
        const row = await gateway.db
          .selectFrom('webhook_deliveries')
          .select(['status', 'attempts'])
          .where('id', '=', delivery.id)
          .executeTakeFirstOrThrow();
        return row.status === 'delivered' && row;
      },
      20_000,
      second.output,
    );
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]?.body).toBe(receiver.requests[0]?.body);
    const attempts = await gateway.db
      .selectFrom('webhook_attempts')
      .select('status_code')
      .where('delivery_id', '=', delivery.id)
      .execute();
    expect(attempts).toEqual([{ status_code: 200 }]);

    second.kill('SIGTERM');
    expect(await second.exited, second.output()).toEqual({ code: 0, signal: null });
    expect(second.logs().find((l) => l.msg === 'worker stopped')).toMatchObject({ handedBack: 0 });
  }, 120_000);

  it('a worker with only XPUB leaves the sweeps to ctrip sweep where the mnemonic is: the payment is swept once and settled', async () => {
    const env = await workerEnv();
    const treasury = privateKeyToAddress(generatePrivateKey()).toLowerCase() as `0x${string}`;
    const { MNEMONIC: _mnemonic, ...withoutMnemonic } = env;
    const worker = startCtrip(['worker'], { env: { ...withoutMnemonic, XPUB }, cwd: dir });
    const sweeper = startCtrip(['sweep'], {
      env: { ...env, TREASURY_ADDRESS: treasury },
      cwd: dir,
    });
    const output = () => `${worker.output()}\n${sweeper.output()}`;
    await sweeper.waitForStdout('cTrip sweeper is running', WAIT_MS);
    await waitUntil(
      'the worker started',
      async () => worker.logs().some((l) => l.msg === 'worker started'),
      WAIT_MS,
      output,
    );

    const payment = await createPayment(gateway.payments, {
      chain: 'anvil',
      token: 'ETH',
      amount: '0.25',
    });
    await chain.sendNative(payment.address, payment.amount);
    // Automine makes a block per transaction only: mine on, for the payment's and the sweep's
    // confirmations.
    const settled = await waitUntil(
      'the payment settled',
      async () => {
        await chain.mine(1);
        const row = await gateway.db
          .selectFrom('payments')
          .select('status')
          .where('id', '=', payment.id)
          .executeTakeFirstOrThrow();
        return row.status === 'settled' && row;
      },
      WAIT_MS,
      output,
    );
    expect(settled.status).toBe('settled');
    const sweeps = await gateway.db.selectFrom('sweeps').selectAll().execute();
    expect(sweeps).toHaveLength(1);
    expect(sweeps[0]).toMatchObject({ status: 'confirmed', to_address: treasury });
    expect(await chain.publicClient.getBalance({ address: treasury })).toBe(sweeps[0]?.amount);

    // The worker said why it does not sweep and never did; the sweeper only swept.
    expect(worker.logs().filter((l) => l.msg.startsWith('sweeping is off'))).toHaveLength(1);
    expect(worker.logs().some((l) => l.msg === 'sweep pass')).toBe(false);
    expect(sweeper.logs().some((l) => l.msg === 'sweep pass')).toBe(true);
    expect(sweeper.logs().some((l) => l.msg === 'transfers recorded')).toBe(false);
    expect(worker.logs().some((l) => l.msg === 'transfers recorded')).toBe(true);

    for (const proc of [worker, sweeper]) {
      proc.kill('SIGTERM');
      expect(await proc.exited, proc.output()).toEqual({ code: 0, signal: null });
    }
  }, 120_000);

  it('with Redis unreachable the worker says so, waits for it, and still stops at once on SIGTERM', async () => {
    const env = { ...(await workerEnv()), REDIS_URL: `redis://127.0.0.1:${await closedPort()}` };
    const worker = startCtrip(['worker'], { env, cwd: dir });
    await waitUntil(
      'the worker reports Redis unreachable',
      async () => worker.logs().some((l) => l.msg === 'job queue: redis unreachable; retrying'),
      WAIT_MS,
      worker.output,
    );
    expect(worker.stdout()).not.toContain('is running');
    const since = Date.now();
    worker.kill('SIGTERM');
    expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - since).toBeLessThan(5_000);
    expect(worker.logs().some((l) => l.msg === 'stopped before the worker had started')).toBe(true);
    expect(worker.output()).not.toContain(env.REDIS_URL);
  }, 120_000);

  it('ctrip start with only XPUB says once that sweeping is off and why, and runs', async () => {
    const port = String(await closedPort());
    const env = { ...gateway.opened.database.env, LOG_LEVEL: 'info', XPUB, PORT: port };
    const gatewayProcess = startCtrip(['start'], { env, cwd: dir });
    await gatewayProcess.waitForStdout('Press Ctrl+C to stop', WAIT_MS);
    const off = gatewayProcess.logs().filter((l) => l.msg.startsWith('sweeping is off'));
    expect(off.map((l) => l.msg)).toEqual([
      'sweeping is off: only XPUB is configured, so this process holds no deposit keys; run `ctrip sweep` where MNEMONIC is set',
    ]);
    expect(gatewayProcess.logs().find((l) => l.msg === 'worker started')?.driver).toBe(
      'in-process',
    );
    gatewayProcess.kill('SIGINT');
    expect(await gatewayProcess.exited, gatewayProcess.output()).toEqual({
      code: 0,
      signal: null,
    });
  }, 120_000);
});

describe('ctrip sweep', () => {
  it('refuses to start without MNEMONIC, in one line, with a non-zero exit', async () => {
    const base = { ENV: 'testing', PRIVATE_KEY: HOT_WALLET_KEY };
    const withXpub = await runCtrip(['sweep'], { ...base, XPUB });
    expect(withXpub.code).toBe(2);
    expect(withXpub.stderr).toBe(
      "error: MNEMONIC: is required by ctrip sweep (the deposit addresses' keys sign the sweeps); XPUB alone holds no private key\n",
    );
    const withNeither = await runCtrip(['sweep'], base);
    expect(withNeither.code).toBe(2);
    expect(withNeither.stderr).toBe(
      "error: MNEMONIC: is required by ctrip sweep (the deposit addresses' keys sign the sweeps)\n",
    );
  });

  it('refuses to start without PRIVATE_KEY', async () => {
    const result = await runCtrip(['sweep'], { ENV: 'testing', MNEMONIC: DEVELOPMENT_MNEMONIC });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: PRIVATE_KEY: is required by ctrip sweep (the hot wallet that pays the gas of token sweeps)\n',
    );
  });
});
