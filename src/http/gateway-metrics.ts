import { Counter, Gauge, type Registry } from 'prom-client';
import { redactUrlsInText } from '../chains/redact-rpc-url.ts';
import { messageOf } from '../errors.ts';
import type { QueueMonitor, QueueStats } from '../jobs/queue-stats.ts';
import { countPaymentsByStatus } from '../payments/count-payments-by-status.ts';
import { type ChainStatus, listChainStatuses } from '../scanner/chain-status.ts';
import type { AppDeps } from './app-deps.ts';

/**
 * The gateway's own metrics on `registry`, read when scraped (nothing runs between scrapes):
 * payments by status and each chain's scanner lag and head age from the database, and each
 * RPC endpoint's errors and latency from the chain clients (when the app has them), the
 * endpoint named by its redacted URL. A scrape whose database read fails leaves those gauges
 * empty and logs why, rather than failing the whole scrape.
 */
export function registerGatewayMetrics(
  registry: Registry,
  deps: AppDeps,
  options: { readonly queue?: QueueMonitor | undefined } = {},
): void {
  const registers = [registry];
  if (options.queue) registerQueueMetrics(registry, deps, options.queue);

  const payments: Gauge<'status'> = new Gauge({
    name: 'ctrip_payments',
    help: 'Payments in each status',
    labelNames: ['status'],
    registers,
    async collect() {
      payments.reset();
      const counts = await readOrLog(deps, 'payments', () => countPaymentsByStatus(deps.db));
      for (const [status, count] of Object.entries(counts ?? {})) payments.set({ status }, count);
    },
  });

  const served = (statuses: ChainStatus[] | undefined) =>
    (statuses ?? []).filter((s) => deps.chains.some((c) => c.name === s.chain));

  const lag: Gauge<'chain'> = new Gauge({
    name: 'ctrip_scanner_lag_blocks',
    help: 'Blocks between the chain head the scanner last saw and the last block it scanned',
    labelNames: ['chain'],
    registers,
    async collect() {
      lag.reset();
      const statuses = await readOrLog(deps, 'scanner', () => listChainStatuses(deps.db));
      for (const s of served(statuses)) {
        if (s.lag !== null) lag.set({ chain: s.chain }, Number(s.lag));
      }
    },
  });

  const headAge: Gauge<'chain'> = new Gauge({
    name: 'ctrip_scanner_head_age_seconds',
    help: 'Seconds since the scanner last saw the chain head',
    labelNames: ['chain'],
    registers,
    async collect() {
      headAge.reset();
      const now = Date.now();
      const statuses = await readOrLog(deps, 'scanner', () => listChainStatuses(deps.db));
      for (const s of served(statuses)) {
        if (s.headSeenAt) headAge.set({ chain: s.chain }, (now - s.headSeenAt.getTime()) / 1000);
      }
    },
  });

  const endpoints = () =>
    [...(deps.chainClients?.values() ?? [])].flatMap((client) =>
      client.stats().map((stats) => ({ chain: client.name, endpoint: stats.url, stats })),
    );

  const rpcErrors: Counter<'chain' | 'endpoint'> = new Counter({
    name: 'ctrip_rpc_errors_total',
    help: 'Failed requests to each RPC endpoint (transport errors, node errors, timeouts)',
    labelNames: ['chain', 'endpoint'],
    registers,
    collect() {
      // The client keeps the running total: the counter is set to it, not added to.
      rpcErrors.reset();
      for (const { chain, endpoint, stats } of endpoints()) {
        rpcErrors.inc({ chain, endpoint }, stats.errors);
      }
    },
  });

  const rpcLatency: Gauge<'chain' | 'endpoint'> = new Gauge({
    name: 'ctrip_rpc_latency_seconds',
    help: 'Latency of the last request each RPC endpoint answered, in seconds',
    labelNames: ['chain', 'endpoint'],
    registers,
    collect() {
      rpcLatency.reset();
      for (const { chain, endpoint, stats } of endpoints()) {
        if (stats.lastLatencyMs !== null) {
          rpcLatency.set({ chain, endpoint }, stats.lastLatencyMs / 1000);
        }
      }
    },
  });
}

/** Memoized per scrape: both gauges come from one read of the queues. */
const QUEUE_READ_REUSE_MS = 1_000;

/**
 * The job queues' depth per kind and state (waiting, delayed, active) and the failed jobs
 * kept per kind (those of the last day), read from Redis when scraped.
 */
function registerQueueMetrics(registry: Registry, deps: AppDeps, queue: QueueMonitor): void {
  const registers = [registry];
  let last: { at: number; stats: Promise<QueueStats | undefined> } | undefined;
  const read = () => {
    if (!last || Date.now() - last.at > QUEUE_READ_REUSE_MS) {
      last = { at: Date.now(), stats: readOrLog(deps, 'queue', () => queue.read()) };
    }
    return last.stats;
  };

  const depth: Gauge<'kind' | 'state'> = new Gauge({
    name: 'ctrip_queue_jobs',
    help: 'Jobs in the queue of each kind, by state (waiting, delayed, active)',
    labelNames: ['kind', 'state'],
    registers,
    async collect() {
      depth.reset();
      for (const [kind, counts] of Object.entries((await read()) ?? {})) {
        for (const state of ['waiting', 'delayed', 'active'] as const) {
          depth.set({ kind, state }, counts[state]);
        }
      }
    },
  });

  const failed: Gauge<'kind'> = new Gauge({
    name: 'ctrip_queue_failed_jobs',
    help: 'Failed jobs of each kind kept by the queue (those of the last day, at most 1000)',
    labelNames: ['kind'],
    registers,
    async collect() {
      failed.reset();
      for (const [kind, counts] of Object.entries((await read()) ?? {})) {
        failed.set({ kind }, counts.failed);
      }
    },
  });
}

async function readOrLog<T>(
  deps: AppDeps,
  what: string,
  read: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    deps.logger.warn(
      { metrics: what, error: redactUrlsInText(messageOf(error)) },
      'metrics read failed',
    );
    return undefined;
  }
}
