import type { Redis } from 'ioredis';
import { getHeadBlockNumber } from '../chains/index.ts';
import { redactUrlsInText } from '../chains/redact-rpc-url.ts';
import type { ChainConfig } from '../config/index.ts';
import { createMigrator, MIGRATIONS_DIR } from '../db/migrate/index.ts';
import { pingDatabase } from '../db/ping-database.ts';
import { CtripError, messageOf } from '../errors.ts';
import type { KindStats, QueueMonitor, QueueStats } from '../jobs/queue-stats.ts';
import { type ChainStatus, listChainStatuses } from '../scanner/chain-status.ts';
import type { AppDeps } from './app-deps.ts';

/** Each check gives up after this long: a probe that hangs is as bad as one that fails. */
const DATABASE_TIMEOUT_MS = 2_000;
const RPC_TIMEOUT_MS = 3_000;
const REDIS_TIMEOUT_MS = 1_000;
/** A head older than this (or ten poll intervals, if longer) means the scanner stopped looking. */
const MIN_HEAD_MAX_AGE_MS = 60_000;
const POLL_INTERVALS_PER_HEAD_AGE = 10;

export interface CheckResult {
  readonly ok: boolean;
  readonly error?: string;
}

export interface MigrationsCheck extends CheckResult {
  /** Revisions not applied yet. */
  readonly pending?: readonly string[];
  /** Applied revisions this build has no file for (a newer build migrated the database). */
  readonly missing?: readonly string[];
}

export interface ChainCheck extends CheckResult {
  readonly head: number | null;
  readonly cursor: number | null;
  readonly lag: number | null;
  readonly head_age_seconds: number | null;
  /** Why the scanner stopped itself, when it did. */
  readonly halted?: string;
}

export interface ReadinessReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: {
    readonly database: CheckResult;
    readonly migrations: MigrationsCheck;
    readonly chains: Readonly<Record<string, ChainCheck>>;
    readonly redis?: CheckResult;
    /** The job queues (REDIS_URL set): totals over every job kind. */
    readonly queue?: QueueCheck;
  };
}

export interface QueueCheck extends CheckResult {
  readonly waiting?: number;
  readonly delayed?: number;
  readonly active?: number;
  /** Failed jobs kept (those of the last day). Reported, not a reason to be unready. */
  readonly failed?: number;
}

/**
 * Whether this instance can serve: the database answers, its schema is this build's (no
 * migration pending or unknown), every chain's scanner saw a head recently and is not halted,
 * each chain's RPC answers (when the app has clients), and Redis answers (when configured).
 * Errors are fixed phrases: no URL, host or driver message reaches the report, only the logs.
 */
export async function checkReadiness(
  deps: AppDeps,
  options: { readonly redis?: Redis; readonly queue?: QueueMonitor; readonly now?: Date } = {},
): Promise<ReadinessReport> {
  const now = options.now ?? new Date();
  const redisClient = options.redis;
  const monitor = options.queue;
  const [database, migrations, statuses, rpc, redis, queue] = await Promise.all([
    settle(deps, 'database', () => pingDatabase(deps.db), DATABASE_TIMEOUT_MS),
    settle(deps, 'migrations', () => readMigrations(deps), DATABASE_TIMEOUT_MS),
    settle(deps, 'chains', () => listChainStatuses(deps.db, now), DATABASE_TIMEOUT_MS),
    Promise.all(deps.chains.map((chain) => checkRpc(deps, chain))),
    redisClient ? settle(deps, 'redis', () => redisClient.ping(), REDIS_TIMEOUT_MS) : undefined,
    monitor ? settle(deps, 'queue', () => monitor.read(), REDIS_TIMEOUT_MS) : undefined,
  ]);

  const chains: Record<string, ChainCheck> = {};
  for (const [i, chain] of deps.chains.entries()) {
    const status = statuses.ok ? statuses.value.find((s) => s.chain === chain.name) : undefined;
    chains[chain.name] = checkChain(
      chain,
      status,
      statuses.ok ? undefined : 'chain state could not be read',
      rpc[i],
      now,
    );
  }
  const checks = {
    database: database.ok ? { ok: true } : { ok: false, error: database.error },
    migrations: migrations.ok ? migrations.value : { ok: false, error: migrations.error },
    chains,
    ...(redis ? { redis: redis.ok ? { ok: true } : { ok: false, error: redis.error } } : {}),
    ...(queue
      ? { queue: queue.ok ? queueTotals(queue.value) : { ok: false, error: queue.error } }
      : {}),
  };
  const ok =
    checks.database.ok &&
    checks.migrations.ok &&
    Object.values(chains).every((c) => c.ok) &&
    (checks.redis?.ok ?? true) &&
    (checks.queue?.ok ?? true);
  return { status: ok ? 'ok' : 'unavailable', checks };
}

function queueTotals(stats: QueueStats): QueueCheck {
  const kinds = Object.values(stats);
  const sum = (state: keyof KindStats) => kinds.reduce((n, kind) => n + kind[state], 0);
  return {
    ok: true,
    waiting: sum('waiting'),
    delayed: sum('delayed'),
    active: sum('active'),
    failed: sum('failed'),
  };
}

async function readMigrations(deps: AppDeps): Promise<MigrationsCheck> {
  const status = await createMigrator({
    db: deps.db,
    migrationsDir: MIGRATIONS_DIR,
    lockTimeoutMs: deps.settings.database.migrationLockTimeoutMs,
  }).status();
  const pending = status.pending.map((f) => f.revision);
  const missing = status.missing;
  if (pending.length === 0 && missing.length === 0) return { ok: true };
  return {
    ok: false,
    error:
      missing.length > 0
        ? 'the database has migrations this build does not know; run a newer build'
        : 'migrations are pending; run ctrip migrate upgrade',
    ...(pending.length > 0 ? { pending } : {}),
    ...(missing.length > 0 ? { missing } : {}),
  };
}

/** undefined when the app has no client for the chain (the API alone, without a scanner). */
async function checkRpc(deps: AppDeps, chain: ChainConfig): Promise<Settled<bigint> | undefined> {
  const client = deps.chainClients?.get(chain.name);
  if (!client) return undefined;
  return settle(deps, `rpc ${chain.name}`, () => getHeadBlockNumber(client), RPC_TIMEOUT_MS);
}

function checkChain(
  chain: ChainConfig,
  status: ChainStatus | undefined,
  stateError: string | undefined,
  rpc: Settled<bigint> | undefined,
  now: Date,
): ChainCheck {
  const headAgeMs = status?.headSeenAt ? now.getTime() - status.headSeenAt.getTime() : null;
  const halted = status?.haltedReason ?? undefined;
  const error = stateError ?? problemOf(chain, status, headAgeMs, rpc);
  return {
    ok: error === undefined,
    head: toNumber(status?.head),
    cursor: toNumber(status?.cursor),
    lag: toNumber(status?.lag),
    head_age_seconds: headAgeMs === null ? null : Math.max(0, Math.round(headAgeMs / 1000)),
    ...(halted ? { halted } : {}),
    ...(error ? { error } : {}),
  };
}

/** What keeps a chain from being ready, the root cause first; undefined when nothing does. */
function problemOf(
  chain: ChainConfig,
  status: ChainStatus | undefined,
  headAgeMs: number | null,
  rpc: Settled<bigint> | undefined,
): string | undefined {
  if (!status) return 'no scanner has recorded this chain yet';
  if (status.haltedReason) return 'the scanner is halted; see ctrip chains status';
  if (headAgeMs === null) return 'no head seen yet';
  const maxAgeMs = Math.max(
    MIN_HEAD_MAX_AGE_MS,
    POLL_INTERVALS_PER_HEAD_AGE * chain.pollIntervalMs,
  );
  if (headAgeMs > maxAgeMs) {
    return `head last seen ${Math.round(headAgeMs / 1000)} s ago (limit ${maxAgeMs / 1000} s)`;
  }
  if (rpc && !rpc.ok) return `RPC: ${rpc.error}`;
  return undefined;
}

// Block numbers stay far below 2^53, so JSON numbers carry them exactly.
function toNumber(value: bigint | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; error: string };

/**
 * The outcome of a check within `timeoutMs`. A failure is logged (URLs redacted: a viem error
 * names the full RPC URL) and reported as a fixed phrase, as a driver's message may name a host.
 */
async function settle<T>(
  deps: AppDeps,
  check: string,
  run: () => Promise<T>,
  timeoutMs: number,
): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => {
      deps.logger.warn({ check, timeoutMs }, 'readiness check timed out');
      resolve({ ok: false, error: `no answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
  });
  const answered = (async (): Promise<Settled<T>> => {
    try {
      return { ok: true, value: await run() };
    } catch (error) {
      const code = error instanceof CtripError ? error.code : undefined;
      deps.logger.warn(
        { check, code, error: redactUrlsInText(messageOf(error)) },
        'readiness check failed',
      );
      return {
        ok: false,
        error: code === 'RPC_UNAVAILABLE' ? 'no endpoint answered' : 'no answer',
      };
    }
  })();
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
