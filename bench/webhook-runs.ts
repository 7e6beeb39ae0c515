/**
 * The two sides of `bench:webhooks`. A worker run: `ctrip worker` processes on Redis and
 * PostgreSQL deliver a backlog of webhooks to the sink, then payments are paid and confirmed on
 * Anvil round by round to time confirmation → delivery. A baseline run: the bare signed-POST
 * loop (signed-post-loop.ts) sends the same bodies to the same sink with the same concurrency.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { withTransaction } from '../src/db/transaction.ts';
import { createPayment } from '../src/payments/create-payment.ts';
import { payInFewBlocks } from '../test/e2e/chain-money.ts';
import {
  CHAIN,
  QUEUE_PREFIX_VARIABLE,
  REDIS_URL,
  startE2eEnvironment,
} from '../test/e2e/environment.ts';
import { ROOT, startProcess, waitUntil } from '../test/scripts/processes.ts';
import type { WebhookSink } from './webhook-sink.ts';

/** A webhook as sent: the baseline replays these. */
export interface SentBody {
  readonly id: string;
  readonly body: string;
}

export interface WorkerRunParams {
  readonly workers: number;
  /** WORKER_CONCURRENCY of each worker: jobs (deliveries) in flight per process. */
  readonly concurrency: number;
  /** Webhooks in the timed backlog. */
  readonly backlog: number;
  readonly warmUp: number;
  readonly latencyRounds: number;
  readonly paymentsPerRound: number;
}

export interface WorkerRunResult {
  readonly workers: number;
  readonly backlog: number;
  /** From the commit that made the backlog visible to the last webhook's arrival. */
  readonly backlogMs: number;
  /** From that commit to the first arrival. */
  readonly firstArrivalMs: number;
  /** Requests beyond one per webhook-id (a webhook sent twice). */
  readonly duplicates: number;
  readonly unverified: number;
  /**
   * Share of the backlog's samples (every 20 ms) in which no delivery job waited in the queue
   * while fewer than workers × concurrency ran: the workers idle for want of claimed work.
   */
  readonly starvedShare: number;
  /** Per payment: the block that gave it its confirmations mined → payment.confirmed arrived. */
  readonly fromBlockMs: readonly number[];
  /** Per payment: `confirmed_at` (the scanner's commit) → payment.confirmed arrived. */
  readonly fromConfirmedAtMs: readonly number[];
  /** Per payment: its payment.detected arrived → its payment.confirmed arrived. */
  readonly afterDetectedMs: readonly number[];
  readonly bodies: readonly SentBody[];
  /** The endpoint secret the bodies were signed with: the baseline signs with it too. */
  readonly secret: string;
}

const WAIT_MS = 120_000;
const CONFIRMATIONS = 3;

/** Wall-clock milliseconds of a `performance.now()` reading. */
function wallOf(at: number): number {
  return performance.timeOrigin + at;
}

export async function runWorkers(
  sink: WebhookSink,
  params: WorkerRunParams,
): Promise<WorkerRunResult> {
  const env = await startE2eEnvironment({
    engine: 'postgres',
    chain: { confirmations: { kind: 'depth', blocks: CONFIRMATIONS }, pollIntervalMs: 100 },
    env: {
      // Webhooks only: sweeps would add their own transactions and RPC calls to the run.
      SWEEP_ENABLED: 'false',
      WORKER_CONCURRENCY: String(params.concurrency),
      LOG_LEVEL: 'warn',
    },
  });
  try {
    const endpoint = await env.createEndpoint(sink.url);
    sink.verifyWith(endpoint.secret);
    sink.reset();
    const workers = Array.from({ length: params.workers }, () => env.startWorker());
    await Promise.all(workers.map((w) => w.waitForStdout('worker is running', 60_000)));

    const explain = async (error: unknown) => {
      const open = await env.db
        .selectFrom('webhook_deliveries')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      throw new Error(
        `${(error as Error).message}; sink: ${sink.requests()} requests, ${sink.unverified()} ` +
          `unverified; deliveries: ${JSON.stringify(open)}\n` +
          workers.map((w) => w.output()).join('\n'),
      );
    };

    // Warm-up: connections, JIT, queues; not timed.
    await createPayments(env, params.warmUp);
    await sink.waitForUnique(params.warmUp, WAIT_MS).catch(explain);

    sink.reset();
    await createPayments(env, params.backlog);
    const committed = performance.now();
    const sampler = sampleDeliveryQueue(env.env[QUEUE_PREFIX_VARIABLE] ?? '', params);
    await sink.waitForUnique(params.backlog, WAIT_MS).catch(explain);
    const starvedShare = await sampler.stop();
    const times = [...sink.arrivals().values()];
    const backlogMs = Math.max(...times) - committed;
    const firstArrivalMs = Math.min(...times) - committed;
    const duplicates = sink.requests() - sink.unique() - sink.unverified();
    const unverified = sink.unverified();
    // The backlog's bodies exactly as the workers sent them, for the baseline to send again.
    const arrived = sink.arrivals();
    const bodies = (
      await env.db.selectFrom('webhook_deliveries').select(['event_id', 'payload']).execute()
    )
      .filter((row) => arrived.has(row.event_id))
      .map((row) => ({ id: row.event_id, body: row.payload }));
    if (bodies.length !== params.backlog) {
      throw new Error(`${bodies.length} of the ${params.backlog} webhooks are this run's`);
    }

    const fromBlockMs: number[] = [];
    const fromConfirmedAtMs: number[] = [];
    const afterDetectedMs: number[] = [];
    for (let round = 0; round < params.latencyRounds; round++) {
      const latencies = await confirmRound(env, sink, params.paymentsPerRound, round);
      fromBlockMs.push(...latencies.fromBlock);
      fromConfirmedAtMs.push(...latencies.fromConfirmedAt);
      afterDetectedMs.push(...latencies.afterDetected);
    }

    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    return {
      workers: params.workers,
      backlog: params.backlog,
      backlogMs,
      firstArrivalMs,
      duplicates,
      unverified,
      starvedShare,
      fromBlockMs,
      fromConfirmedAtMs,
      afterDetectedMs,
      bodies,
      secret: endpoint.secret,
    };
  } finally {
    await env.teardown();
  }
}

/** Samples the webhook-deliver queue until stopped; returns the share of starved samples. */
function sampleDeliveryQueue(prefix: string, params: WorkerRunParams) {
  const url = new URL(REDIS_URL);
  const queue = new Queue('webhook-deliver', {
    connection: { host: url.hostname, port: Number(url.port) },
    prefix,
  });
  const slots = params.workers * params.concurrency;
  let samples = 0;
  let starved = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'active');
      samples += 1;
      if ((counts.waiting ?? 0) + (counts.prioritized ?? 0) === 0 && (counts.active ?? 0) < slots) {
        starved += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop(): Promise<number> {
      running = false;
      await loop;
      await queue.close();
      return samples === 0 ? 0 : starved / samples;
    },
  };
}

type Environment = Awaited<ReturnType<typeof startE2eEnvironment>>;

/** `count` payments committed together: their payment.created events appear at once. */
async function createPayments(env: Environment, count: number): Promise<string[]> {
  return withTransaction(env.db, async (trx) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const payment = await createPayment(
        { ...env.gateway.payments, db: trx },
        { chain: CHAIN, token: 'USDC', amount: `${i + 1}` },
      );
      ids.push(payment.id);
    }
    return ids;
  });
}

/**
 * Pays `count` new payments in one block, then mines the blocks that give them their
 * confirmations and times each payment.confirmed webhook from that moment.
 */
async function confirmRound(
  env: Environment,
  sink: WebhookSink,
  count: number,
  round: number,
): Promise<{ fromBlock: number[]; fromConfirmedAt: number[]; afterDetected: number[] }> {
  const payments = [];
  for (let i = 0; i < count; i++) {
    payments.push(
      await env.createPayment('ETH', `0.${round + 1}${String(i + 1).padStart(3, '0')}`),
    );
  }
  const ids = payments.map((p) => p.id);
  await payInFewBlocks(
    env.chain,
    payments.map((p) => ({ address: p.address, token: null, amount: p.amount })),
    count,
  );
  await env.chain.mine(CONFIRMATIONS - 1);
  const minedAt = performance.now();
  const events = await waitUntil(
    `the round's ${count} payment.confirmed webhooks delivered`,
    async () => {
      const rows = await env.db
        .selectFrom('payment_events')
        .innerJoin('payments', 'payments.id', 'payment_events.payment_id')
        .select(['payment_events.id', 'payment_events.payment_id', 'payments.confirmed_at'])
        .where('payment_events.type', '=', 'payment.confirmed')
        .where('payment_events.payment_id', 'in', ids)
        .execute();
      const arrivals = sink.arrivals();
      return rows.length === count && rows.every((r) => arrivals.has(r.id)) && rows;
    },
    WAIT_MS,
  );
  const arrivals = sink.arrivals();
  // The payment's payment.detected goes first (per-payment order), usually fanned out together.
  const detected = new Map(
    (
      await env.db
        .selectFrom('payment_events')
        .select(['id', 'payment_id'])
        .where('type', '=', 'payment.detected')
        .where('payment_id', 'in', ids)
        .execute()
    ).map((row) => [row.payment_id, arrivals.get(row.id) ?? Number.NaN]),
  );
  return {
    afterDetected: events.map(
      (e) => (arrivals.get(e.id) ?? 0) - (detected.get(e.payment_id) ?? Number.NaN),
    ),
    fromBlock: events.map((e) => (arrivals.get(e.id) ?? 0) - minedAt),
    fromConfirmedAt: events.map(
      (e) => wallOf(arrivals.get(e.id) ?? 0) - (e.confirmed_at?.getTime() ?? 0),
    ),
  };
}

export interface BaselineResult {
  readonly concurrency: number;
  readonly count: number;
  readonly ms: number;
  readonly failed: number;
}

/** The bare loop: the same bodies, the same sink, `concurrency` requests in flight. */
export async function runBaseline(
  sink: WebhookSink,
  bodies: readonly SentBody[],
  secret: string,
  concurrency: number,
): Promise<BaselineResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ctrip-bench-webhooks-'));
  try {
    const file = join(dir, 'bodies.json');
    writeFileSync(file, JSON.stringify(bodies));
    sink.verifyWith(secret);
    const loop = startProcess(
      ['bin/run-ts.js', 'bench/signed-post-loop.ts', sink.url, String(concurrency), file],
      { env: { BENCH_WEBHOOK_SECRET: secret }, cwd: ROOT },
    );
    await loop.waitForStdout('ready', 60_000);
    sink.reset();
    const started = performance.now();
    loop.endInput('go\n');
    await sink.waitForUnique(bodies.length, WAIT_MS);
    const ms = Math.max(...sink.arrivals().values()) - started;
    await loop.waitForStdout('done', WAIT_MS);
    const failed = Number(/done (\d+)/.exec(loop.stdout())?.[1] ?? Number.NaN);
    await loop.exited;
    return { concurrency, count: bodies.length, ms, failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
