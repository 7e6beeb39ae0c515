/**
 * `npm run bench:webhooks`: webhook deliveries per second with 1 and with 3 `ctrip worker`
 * processes on Redis and PostgreSQL, beside a bare loop of signed POSTs to the same receiver
 * with the same concurrency measured in the same run; and the time from a payment's
 * confirmation on chain to its payment.confirmed webhook at the receiver.
 *
 * Per worker count: a fresh Anvil chain, PostgreSQL database and queue prefix; the workers
 * start (sweeping off), deliver a warm-up, then a backlog of payment.created webhooks committed
 * in one transaction, timed from the commit to the last arrival. Then rounds of payments paid
 * in one block: each payment.confirmed is timed from the moment the block that gave it its
 * confirmations was mined, and from its `confirmed_at`. The baseline (signed-post-loop.ts, a
 * process of its own like a worker) then sends the same bodies, signed with the same secret,
 * with workers × WORKER_CONCURRENCY requests in flight; its median of 3 runs is reported.
 * PostgreSQL must accept postgres@127.0.0.1:5432 without a password and Redis listen on
 * 127.0.0.1:6379, as for the tests. Takes about a minute and a half on 2 CPUs.
 */
import { availableParallelism, loadavg } from 'node:os';
import { DISPATCH_INTERVAL_MS } from '../src/jobs/webhook-jobs.ts';
import { peakRssMiB } from './measure.ts';
import {
  type BaselineResult,
  runBaseline,
  runWorkers,
  type WorkerRunResult,
} from './webhook-runs.ts';
import { startWebhookSink } from './webhook-sink.ts';

const WORKER_COUNTS = [1, 3] as const;
/** WORKER_CONCURRENCY per worker; the baseline keeps workers × this many requests in flight. */
const CONCURRENCY = 10;
const BACKLOG = 5_000;
const WARM_UP = 200;
const LATENCY_ROUNDS = 10;
const BASELINE_RUNS = 3;
const PAYMENTS_PER_ROUND = 20;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function rate(count: number, ms: number): number {
  return (count * 1000) / ms;
}

function loadAverage(): string {
  return (loadavg()[0] ?? 0).toFixed(1);
}

/** Aligned columns: the first to the left, the rest to the right. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, c) =>
    Math.max(...rows.map((row) => (row[c] ?? '').length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ');
  const [header = [], ...body] = rows;
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadAverage();
  console.log(
    `cTrip webhook delivery vs a bare signed-POST loop, node ${process.version}, ` +
      `PostgreSQL + Redis (BullMQ), Anvil\n` +
      `backlog of ${BACKLOG.toLocaleString('en-US')} payment.created webhooks committed at once ` +
      `(after ${WARM_UP} warm-up); WORKER_CONCURRENCY=${CONCURRENCY}; the receiver verifies ` +
      `every signature (standardwebhooks) and answers 200\n` +
      `bare loop: median of ${BASELINE_RUNS} runs\n` +
      `latency: ${LATENCY_ROUNDS} rounds of ${PAYMENTS_PER_ROUND} payments paid in one block, ` +
      `3 confirmations, scanner poll 100 ms, webhooks-dispatch every ${DISPATCH_INTERVAL_MS} ms\n`,
  );
  const sink = await startWebhookSink();
  const runs: { worker: WorkerRunResult; baseline: BaselineResult }[] = [];
  try {
    for (const workers of WORKER_COUNTS) {
      const worker = await runWorkers(sink, {
        workers,
        concurrency: CONCURRENCY,
        backlog: BACKLOG,
        warmUp: WARM_UP,
        latencyRounds: LATENCY_ROUNDS,
        paymentsPerRound: PAYMENTS_PER_ROUND,
      });
      console.log(
        `  ${workers} worker${workers > 1 ? 's' : ' '}: backlog in ${worker.backlogMs.toFixed(0)} ms ` +
          `(first arrival after ${worker.firstArrivalMs.toFixed(0)} ms), ` +
          `${worker.duplicates} sent twice, ${worker.unverified} bad signatures; delivery queue ` +
          `empty with idle slots in ${(worker.starvedShare * 100).toFixed(0)}% of samples`,
      );
      const baselines: BaselineResult[] = [];
      for (let i = 0; i < BASELINE_RUNS; i++) {
        baselines.push(
          await runBaseline(sink, worker.bodies, worker.secret, workers * CONCURRENCY),
        );
      }
      const baseline = [...baselines].sort((a, b) => a.ms - b.ms)[
        Math.floor(BASELINE_RUNS / 2)
      ] as BaselineResult;
      console.log(
        `  bare loop, ${baseline.concurrency} in flight: ` +
          `${baselines.map((b) => b.ms.toFixed(0)).join(', ')} ms, ` +
          `${baselines.reduce((n, b) => n + b.failed, 0)} failed`,
      );
      runs.push({ worker, baseline });
    }
  } finally {
    await sink.close();
  }

  const one = runs[0]?.worker;
  console.log('\ndeliveries per second');
  console.log(
    table([
      ['side', 'in flight', 'deliveries/s', 'bare loop/s', 'cTrip/bare', 'vs 1 worker'],
      ...runs.map(({ worker, baseline }) => {
        const ours = rate(worker.backlog, worker.backlogMs);
        const bare = rate(baseline.count, baseline.ms);
        const single = one ? rate(one.backlog, one.backlogMs) : Number.NaN;
        return [
          `${worker.workers} × ctrip worker`,
          String(baseline.concurrency),
          ours.toFixed(0),
          bare.toFixed(0),
          `${(ours / bare).toFixed(3)}×`,
          `${(ours / single).toFixed(2)}×`,
        ];
      }),
    ]),
  );
  console.log('\nconfirmation → payment.confirmed at the receiver (ms)');
  console.log(
    table([
      [
        'side',
        'payments',
        'from block p50',
        'p99',
        'from confirmed_at p50',
        'p99',
        'after payment.detected p50',
      ],
      ...runs.map(({ worker }) => [
        `${worker.workers} × ctrip worker`,
        String(worker.fromBlockMs.length),
        percentile(worker.fromBlockMs, 50).toFixed(0),
        percentile(worker.fromBlockMs, 99).toFixed(0),
        percentile(worker.fromConfirmedAtMs, 50).toFixed(0),
        percentile(worker.fromConfirmedAtMs, 99).toFixed(0),
        percentile(worker.afterDetectedMs, 50).toFixed(0),
      ]),
    ]),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\npeak RSS ${peakRssMiB().toFixed(0)} MiB (this process), total ${seconds.toFixed(1)} s; ` +
      `load average ${loadBefore} at the start, ${loadAverage()} at the end ` +
      `(${availableParallelism()} CPUs)`,
  );
}

await main();
