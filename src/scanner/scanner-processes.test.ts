import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import { type DevChain, startDevChain, writeChainsFile } from '../../test/devchain.ts';
import { startTestGateway, type TestGateway } from '../../test/gateway.ts';
import {
  closedPort,
  killAllProcesses,
  type RunningProcess,
  startCtrip,
  waitUntil,
} from '../../test/scripts/processes.ts';
import { type ChainConfig, readChainsFile } from '../config/chains-file.ts';
import { type CreatedPayment, createPayment } from '../payments/create-payment.ts';

const CHAIN = 'anvil';
const SCAN_LEASE = `scan:${CHAIN}`;
// Deeper than the blocks the transfers span: each transfer is first stored unconfirmed
// (payment.detected) and confirms only once the test mines this many blocks on top, in a
// later step, so detection and confirmation may fall to different processes.
const DEEP_CONFIRMATIONS = 200;
// Bounds, not sleeps: generous for a loaded CI machine, where a worker may take seconds to start.
const WAIT_MS = 60_000;

describe.each(engines)('scanner processes on %s', (engine) => {
  let chain: DevChain;
  let gateway: TestGateway;
  let dir: string;

  beforeAll(async () => {
    chain = await startDevChain();
  });
  afterAll(() => chain?.stop());
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ctrip-scanner-'));
    gateway = await startTestGateway(engine, chain.config());
  });
  afterEach(async () => {
    await killAllProcesses();
    await gateway?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A chains file scanning this test's blocks only: from the next block on. */
  async function chainsFile(overrides: Partial<ChainConfig>): Promise<string> {
    const startBlock = (await chain.head()) + 1n;
    return writeChainsFile(chain, dir, { startBlock, pollIntervalMs: 50, ...overrides });
  }

  function startWorker(chainsPath: string): RunningProcess {
    const env = { ...gateway.opened.database.env, CHAINS_FILE: chainsPath, LOG_LEVEL: 'info' };
    return startCtrip(['worker'], { env, cwd: dir });
  }

  /** `count` payments, alternating native ETH and USDC, each of an amount of its own. */
  async function createPayments(count: number): Promise<CreatedPayment[]> {
    const created: CreatedPayment[] = [];
    for (let i = 0; i < count; i++) {
      const native = i % 2 === 0;
      const amount = native ? `0.${String(i + 1).padStart(3, '0')}` : `${i + 1}.5`;
      const token = native ? 'ETH' : 'USDC';
      created.push(await createPayment(gateway.payments, { chain: CHAIN, token, amount }));
    }
    return created;
  }

  /** Sends each payment its exact amount in a block of its own, then mines empty blocks. */
  async function pay(payments: readonly CreatedPayment[], emptyBlocksAfterEach: number) {
    const sent = new Map<string, string>();
    for (const payment of payments) {
      const token = payment.token.address as `0x${string}` | null;
      const hash = token
        ? await chain.sendToken(token, payment.address, payment.amount)
        : await chain.sendNative(payment.address, payment.amount);
      sent.set(payment.id, hash.toLowerCase());
      if (emptyBlocksAfterEach > 0) await chain.mine(emptyBlocksAfterEach);
    }
    return sent;
  }

  async function cursor(): Promise<bigint | null> {
    const row = await gateway.db
      .selectFrom('chain_states')
      .select('last_scanned_block')
      .where('chain', '=', CHAIN)
      .executeTakeFirst();
    return row?.last_scanned_block ?? null;
  }

  function scannedThrough(block: bigint, context: () => string) {
    return waitUntil(
      `the cursor reached block ${block}`,
      async () => ((await cursor()) ?? -1n) >= block,
      WAIT_MS,
      context,
    );
  }

  async function count(table: 'transactions' | 'payments', status?: string): Promise<number> {
    let query = gateway.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
    if (status !== undefined) query = query.where('status', '=', status);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  function allConfirmed(payments: readonly CreatedPayment[], context: () => string) {
    return waitUntil(
      `all ${payments.length} payments confirmed`,
      async () => (await count('payments', 'confirmed')) === payments.length,
      WAIT_MS,
      context,
    );
  }

  async function leaseHolder(): Promise<string | null> {
    const row = await gateway.db
      .selectFrom('leases')
      .select('holder')
      .where('name', '=', SCAN_LEASE)
      .executeTakeFirst();
    return row?.holder ?? null;
  }

  /** SIGTERM: the worker finishes its step, gives up its lease and exits 0, promptly. */
  async function stopGracefully(worker: RunningProcess): Promise<void> {
    const since = Date.now();
    worker.kill('SIGTERM');
    expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - since).toBeLessThan(5_000);
  }

  /** The transfers a worker's log says it stored, step by step. */
  function recordedSteps(worker: RunningProcess) {
    return worker
      .logs()
      .filter((line) => line.msg === 'transfers recorded')
      .map((line) => ({
        from: BigInt(line.from as string),
        to: BigInt(line.to as string),
        transfers: Number(line.transfers),
      }));
  }

  /** Each payment confirmed at its exact amount, by one stored transfer, with one event of each kind. */
  async function expectEachPaidExactlyOnce(
    payments: readonly CreatedPayment[],
    sent: ReadonlyMap<string, string>,
  ) {
    const rows = await gateway.db.selectFrom('payments').selectAll().execute();
    expect(rows).toHaveLength(payments.length);
    for (const row of rows) {
      expect(row, `payment ${row.id}`).toMatchObject({
        status: 'confirmed',
        exception: null,
        amount_received: row.amount,
      });
    }
    const transfers = await gateway.db.selectFrom('transactions').selectAll().execute();
    expect(transfers).toHaveLength(sent.size);
    expect(new Map(transfers.map((t) => [t.payment_id, t.tx_hash]))).toEqual(new Map(sent));
    expect(transfers.filter((t) => t.status !== 'confirmed')).toEqual([]);

    const events = await gateway.db
      .selectFrom('payment_events')
      .select(['payment_id', 'type'])
      .execute();
    expect(events).toHaveLength(payments.length * 3);
    for (const payment of payments) {
      const types = events.filter((e) => e.payment_id === payment.id).map((e) => e.type);
      expect(types.sort(), `events of ${payment.id}`).toEqual([
        'payment.confirmed',
        'payment.created',
        'payment.detected',
      ]);
    }
  }

  it('the scanner killed mid-range with SIGKILL and restarted misses no transfer and counts none twice', async () => {
    const payments = await createPayments(30);
    const chainsPath = await chainsFile({
      confirmations: { kind: 'depth', blocks: DEEP_CONFIRMATIONS },
      reorgWindow: DEEP_CONFIRMATIONS,
      maxBlockRange: 2,
    });
    const start = (await chain.head()) + 1n;
    const sent = await pay(payments, 1);
    const head = await chain.head();
    const lastTransferBlock = head - 1n;

    // Killed a quarter of the way in: some transfers are stored, most are still ahead.
    const first = startWorker(chainsPath);
    await scannedThrough(start + (lastTransferBlock - start) / 4n, first.output);
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const killedAt = (await cursor()) ?? -1n;
    expect(killedAt).toBeGreaterThan(start);
    expect(killedAt).toBeLessThan(lastTransferBlock);
    const storedBeforeKill = await count('transactions');
    expect(storedBeforeKill).toBeGreaterThan(0);
    expect(storedBeforeKill).toBeLessThan(payments.length);

    // The dead holder's lease would lapse after its 30 s ttl: expire it instead of waiting.
    await gateway.db
      .updateTable('leases')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('name', '=', SCAN_LEASE)
      .execute();
    const second = startWorker(chainsPath);
    await scannedThrough(head, second.output);
    expect(await count('payments', 'detected')).toBe(payments.length);
    await chain.mine(DEEP_CONFIRMATIONS);
    await allConfirmed(payments, second.output);
    await stopGracefully(second);

    await expectEachPaidExactlyOnce(payments, sent);
    // The restart resumed after the committed cursor: nothing stored before the kill was read again.
    const resumed = recordedSteps(second);
    expect(resumed.every((step) => step.from > killedAt)).toBe(true);
    expect(resumed.reduce((n, step) => n + step.transfers, 0)).toBe(
      payments.length - storedBeforeKill,
    );
  }, 180_000);

  it('two workers scanning the same chain at once store every transfer exactly once', async () => {
    const payments = await createPayments(20);
    const half = payments.length / 2;
    const chainsPath = await chainsFile({
      confirmations: { kind: 'depth', blocks: DEEP_CONFIRMATIONS },
      reorgWindow: DEEP_CONFIRMATIONS,
      maxBlockRange: 3,
    });
    const workers = [startWorker(chainsPath), startWorker(chainsPath)];
    const output = () => workers.map((w) => w.output()).join('\n');
    const holders = await waitUntil(
      'both workers started',
      async () => {
        const named = workers.map((w) => w.logs().find((l) => l.msg === 'worker started')?.holder);
        return named.every((h) => typeof h === 'string') && (named as string[]);
      },
      WAIT_MS,
      output,
    );
    const holding = await waitUntil(
      'one worker holds the scan lease',
      async () => {
        const holder = await leaseHolder();
        return holder !== null && holders.includes(holder) && holders.indexOf(holder);
      },
      WAIT_MS,
      output,
    );
    const [first, other] = holding === 0 ? workers : [workers[1], workers[0]];
    if (!first || !other) throw new Error('two workers were started');

    const sent = await pay(payments.slice(0, half), 1);
    await waitUntil(
      'the first half of the transfers stored',
      async () => (await count('transactions')) === half,
      WAIT_MS,
      output,
    );
    // The holder stops and gives its lease up; the other, polling, takes over at once.
    await stopGracefully(first);
    expect(await leaseHolder()).not.toBe(holders[holding]);

    for (const [id, hash] of await pay(payments.slice(half), 1)) sent.set(id, hash);
    await scannedThrough(await chain.head(), output);
    expect(await leaseHolder()).toBe(holders[1 - holding]);
    expect(await count('payments', 'detected')).toBe(payments.length);
    await chain.mine(DEEP_CONFIRMATIONS);
    await allConfirmed(payments, output);
    await stopGracefully(other);
    expect(await leaseHolder()).toBeNull();

    await expectEachPaidExactlyOnce(payments, sent);
    // One scanner at a time: the ranges the two stored never overlap, and no step of either
    // was refused for a lost lease or a moved cursor.
    const steps = [recordedSteps(first), recordedSteps(other)];
    expect(steps.map((s) => s.reduce((n, step) => n + step.transfers, 0))).toEqual([half, half]);
    const ranges = steps.flat().sort((a, b) => (a.from < b.from ? -1 : 1));
    ranges.slice(1).forEach((range, i) => {
      expect(range.from).toBeGreaterThan(ranges[i]?.to ?? -1n);
    });
    for (const worker of workers) {
      expect(worker.logs().filter((l) => l.msg.startsWith('scan step failed'))).toEqual([]);
    }
  }, 180_000);

  it('the first RPC URL dead: scanning continues on the next one', async () => {
    // The path stands for an API key: it must never reach a log line.
    const dead = `http://127.0.0.1:${await closedPort()}/v3/not-a-real-api-key`;
    const overrides: Partial<ChainConfig> = {
      rpcUrls: [dead, chain.url],
      confirmations: { kind: 'depth', blocks: 2 },
    };
    const chainsPath = await chainsFile(overrides);
    const startBlock = (await chain.head()) + 1n;
    expect(readChainsFile(chainsPath)).toEqual([
      chain.config({ ...overrides, pollIntervalMs: 50, startBlock }),
    ]);
    const payments = await createPayments(2);
    const sent = await pay(payments, 0);

    const worker = startWorker(chainsPath);
    await waitUntil(
      'both transfers stored',
      async () => (await count('transactions')) === payments.length,
      WAIT_MS,
      worker.output,
    );
    await chain.mine(2);
    await allConfirmed(payments, worker.output);
    await stopGracefully(worker);

    const rows = await gateway.db.selectFrom('payments').selectAll().execute();
    expect(rows.map((r) => r.amount_received)).toEqual(rows.map((r) => r.amount));
    const hashes = await gateway.db.selectFrom('transactions').select('tx_hash').execute();
    expect(new Set(hashes.map((t) => t.tx_hash))).toEqual(new Set(sent.values()));
    const passedOver = worker
      .logs()
      .filter((l) => l.msg === 'rpc endpoint failed; passing it over');
    expect(passedOver.length).toBeGreaterThan(0);
    expect(new Set(passedOver.map((l) => l.url))).toEqual(new Set([`${new URL(dead).origin}/…`]));
    expect(worker.stdout() + worker.stderr()).not.toContain('not-a-real-api-key');
  }, 120_000);
});
