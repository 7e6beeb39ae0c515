import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import { type DevChain, startDevChain, writeChainsFile } from '../../test/devchain.ts';
import { startTestGateway, type TestGateway } from '../../test/gateway.ts';
import type { ChainConfig } from '../config/chains-file.ts';
import { readChainsFile } from '../config/chains-file.ts';
import { type CreatedPayment, createPayment } from '../payments/create-payment.ts';

const CTRIP = fileURLToPath(new URL('../../bin/ctrip.js', import.meta.url));
const CHAIN = 'anvil';
const SCAN_LEASE = `scan:${CHAIN}`;
// Deeper than the blocks the transfers span: every transfer is first seen unconfirmed
// (payment.detected), and confirms only when the test mines this many blocks on top.
const DEEP_CONFIRMATIONS = 200;

interface LogLine {
  readonly msg: string;
  readonly [field: string]: unknown;
}

interface WorkerProcess {
  readonly pid: number;
  /** The JSON log lines written to stderr so far. */
  logs(): LogLine[];
  /** What the process wrote so far, for failure messages. */
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

const spawned = new Set<WorkerProcess>();

/** Starts `ctrip worker` in its own process, as an operator would. */
function spawnWorker(env: Record<string, string>, cwd: string): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, [CTRIP, 'worker'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const worker: WorkerProcess = {
    pid: child.pid ?? -1,
    logs: () =>
      stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine),
    output: () => `stdout:\n${stdout.slice(-2000)}\nstderr:\n${stderr.slice(-4000)}`,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  spawned.add(worker);
  void exited.then(() => spawned.delete(worker));
  return worker;
}

/** Polls `probe` until it returns something other than undefined or false. */
async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  context: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms: ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A loopback port nothing listens on: connections to it are refused at once. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

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
    for (const worker of spawned) worker.kill('SIGKILL');
    await Promise.all([...spawned].map((worker) => worker.exited));
    await gateway?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A chains file for this test's chain, scanning from the next block on. */
  async function chainsFile(overrides: Partial<ChainConfig>): Promise<string> {
    const startBlock = (await chain.head()) + 1n;
    return writeChainsFile(chain, dir, { startBlock, pollIntervalMs: 20, ...overrides });
  }

  function workerEnv(chainsPath: string): Record<string, string> {
    return { ...gateway.opened.database.env, CHAINS_FILE: chainsPath };
  }

  /** `count` payments, alternating native ETH and USDC, each with an amount of its own. */
  async function createPayments(count: number): Promise<CreatedPayment[]> {
    const created: CreatedPayment[] = [];
    for (let i = 0; i < count; i++) {
      const native = i % 2 === 0;
      created.push(
        await createPayment(gateway.payments, {
          chain: CHAIN,
          token: native ? 'ETH' : 'USDC',
          amount: native ? `0.${String(i + 1).padStart(3, '0')}` : `${i + 1}.5`,
        }),
      );
    }
    return created;
  }

  /** Sends each payment its exact amount, in a block of its own, with empty blocks between. */
  async function pay(payments: readonly CreatedPayment[], emptyBlocksBetween: number) {
    const sent = new Map<string, string>();
    for (const payment of payments) {
      const hash =
        payment.token.address === null
          ? await chain.sendNative(payment.address, payment.amount)
          : await chain.sendToken(
              payment.token.address as `0x${string}`,
              payment.address,
              payment.amount,
            );
      sent.set(payment.id, hash.toLowerCase());
      if (emptyBlocksBetween > 0) await chain.mine(emptyBlocksBetween);
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

  async function countRows(table: 'transactions' | 'payments', status?: string): Promise<number> {
    let query = gateway.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
    if (status !== undefined) query = query.where('status', '=', status);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  async function leaseHolder(): Promise<string | null> {
    const row = await gateway.db
      .selectFrom('leases')
      .select('holder')
      .where('name', '=', SCAN_LEASE)
      .executeTakeFirst();
    return row?.holder ?? null;
  }

  /** Every payment confirmed with its exact amount, from one stored transfer and one event each. */
  async function expectEachPaidExactlyOnce(
    payments: readonly CreatedPayment[],
    sent: ReadonlyMap<string, string>,
  ) {
    const rows = await gateway.db.selectFrom('payments').selectAll().execute();
    expect(rows).toHaveLength(payments.length);
    for (const row of rows) {
      expect(row.status, `payment ${row.id}`).toBe('confirmed');
      expect(row.exception, `payment ${row.id}`).toBeNull();
      expect(row.amount_received, `payment ${row.id}`).toBe(row.amount);
    }
    const transfers = await gateway.db.selectFrom('transactions').selectAll().execute();
    expect(transfers).toHaveLength(sent.size);
    expect(new Map(transfers.map((t) => [t.payment_id, t.tx_hash]))).toEqual(new Map(sent));
    expect(transfers.every((t) => t.status === 'confirmed')).toBe(true);

    const events = await gateway.db
      .selectFrom('payment_events')
      .select(['payment_id', 'type'])
      .orderBy('id')
      .execute();
    const byPayment = new Map<string, string[]>();
    for (const event of events) {
      byPayment.set(event.payment_id, [...(byPayment.get(event.payment_id) ?? []), event.type]);
    }
    for (const payment of payments) {
      expect(byPayment.get(payment.id)?.sort(), `events of ${payment.id}`).toEqual([
        'payment.confirmed',
        'payment.created',
        'payment.detected',
      ]);
    }
    expect(events).toHaveLength(payments.length * 3);
  }

  it('the scanner killed mid-range with SIGKILL and restarted misses no transfer and counts none twice', async () => {
    const payments = await createPayments(30);
    const chainsPath = await chainsFile({
      confirmations: { kind: 'depth', blocks: DEEP_CONFIRMATIONS },
      reorgWindow: DEEP_CONFIRMATIONS,
      maxBlockRange: 2,
    });
    const start = (await chain.head()) + 1n;
    const sent = await pay(payments, 3);
    const lastTransferBlock = (await chain.head()) - 3n;
    const head = await chain.head();

    const first = spawnWorker(workerEnv(chainsPath), dir);
    // A quarter of the way: some transfers are stored, most are still ahead.
    const killAt = start + (lastTransferBlock - start) / 4n;
    await waitUntil(
      'the first worker scanned a quarter of the range',
      async () => {
        const at = await cursor();
        return at !== null && at >= killAt;
      },
      30_000,
      first.output,
    );
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const killedAt = await cursor();
    expect(killedAt).not.toBeNull();
    expect(killedAt as bigint).toBeGreaterThan(start);
    expect(killedAt as bigint).toBeLessThan(lastTransferBlock);
    const storedBeforeKill = await countRows('transactions');
    expect(storedBeforeKill).toBeGreaterThan(0);
    expect(storedBeforeKill).toBeLessThan(payments.length);
    // The dead holder's lease would lapse after its 30 s ttl; expire it now instead of waiting.
    await gateway.db
      .updateTable('leases')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('name', '=', SCAN_LEASE)
      .execute();

    const second = spawnWorker(workerEnv(chainsPath), dir);
    await waitUntil(
      'the second worker caught up with the head',
      async () => {
        const at = await cursor();
        return at !== null && at >= head;
      },
      30_000,
      second.output,
    );
    expect(await countRows('payments', 'detected')).toBe(payments.length);
    await chain.mine(DEEP_CONFIRMATIONS);
    await waitUntil(
      'every payment confirmed',
      async () => {
        return (await countRows('payments', 'confirmed')) === payments.length;
      },
      30_000,
      second.output,
    );
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);

    await expectEachPaidExactlyOnce(payments, sent);
  }, 90_000);
});
