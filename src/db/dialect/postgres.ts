import { type Dialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { PostgresTarget } from '../../config/database-url.ts';
import { PrePingPool } from './postgres-pool.ts';

export interface PostgresOptions {
  readonly poolSize: number;
  readonly poolTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Told of errors on idle connections, which would otherwise crash the process. */
  readonly onIdleError: (error: Error) => void;
}

export function createPostgresPool(target: PostgresTarget, options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: options.poolTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs,
    statement_timeout: options.statementTimeoutMs || undefined,
    keepAlive: true,
    application_name: 'ctrip',
  });
  pool.on('error', options.onIdleError);
  return pool;
}

export function createPostgresDialect(pool: pg.Pool): Dialect {
  return new PostgresDialect({ pool: new PrePingPool(pool) });
}
