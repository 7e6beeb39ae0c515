import { type Dialect, Kysely, type LogEvent, sql } from 'kysely';
import type pg from 'pg';
import { describeDatabaseTarget } from '../config/database-url.ts';
import type { DatabaseSettings } from '../config/settings.ts';
import { codecs } from './codecs.ts';
import { createPostgresDialect, createPostgresPool } from './dialect/postgres.ts';
import { createSqliteDialect } from './dialect/sqlite.ts';
import type { Engine } from './engine.ts';
import { DatabaseUnreachableError } from './errors.ts';
import { type Database, models } from './models/index.ts';
import { ValueCodecPlugin } from './value-codec-plugin.ts';

/** A connected database: the Kysely instance and what the process needs to manage it. */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  /** Where the database is, without credentials: `PostgreSQL ctrip@db:5432/ctrip`. */
  readonly where: string;
  /** Resolves when a round trip succeeds; throws `DatabaseUnreachableError` otherwise. */
  ping(): Promise<void>;
  /** Closes every connection; pending queries finish first. */
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /** Told of each executed query (tests, the offline SQL check, debugging). */
  readonly onQuery?: (event: LogEvent) => void;
  /** Told of errors on idle PostgreSQL connections (they are dropped and replaced). */
  readonly onConnectionError?: (error: Error) => void;
}

export type DatabaseConfig = Pick<
  DatabaseSettings,
  'target' | 'poolSize' | 'poolTimeoutMs' | 'statementTimeoutMs' | 'idleTimeoutMs'
> &
  Partial<Pick<DatabaseSettings, 'sqliteBusyTimeoutMs'>>;

/**
 * Opens the database the settings point at: PostgreSQL through a pre-pinging `pg` pool, or a
 * SQLite file through better-sqlite3 (WAL, foreign keys on). Nothing connects until the first
 * query; call `ping()` to fail fast.
 */
export function createDatabase(
  settings: DatabaseConfig,
  options: CreateDatabaseOptions = {},
): DatabaseHandle {
  const { target } = settings;
  const where = describeDatabaseTarget(target);
  let dialect: Dialect;
  let pool: pg.Pool | undefined;
  if (target.engine === 'postgres') {
    pool = createPostgresPool(target, {
      ...settings,
      onIdleError: options.onConnectionError ?? (() => {}),
    });
    dialect = createPostgresDialect(pool);
  } else {
    dialect = createSqliteDialect(target, {
      busyTimeoutMs: settings.sqliteBusyTimeoutMs ?? 5_000,
    });
  }
  const db = new Kysely<Database>({
    dialect,
    plugins: [new ValueCodecPlugin(models, codecs[target.engine])],
    ...(options.onQuery ? { log: options.onQuery } : {}),
  });
  let closed: Promise<void> | undefined;
  return {
    db,
    engine: target.engine,
    where,
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (error) {
        if (error instanceof DatabaseUnreachableError) throw error;
        throw new DatabaseUnreachableError(where, error);
      }
    },
    close() {
      closed ??= db.destroy();
      return closed;
    },
  };
}
