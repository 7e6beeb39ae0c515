import { type Kysely, sql } from 'kysely';
import { engineOf } from '../column-sql.ts';
import { MigrationLockTimeoutError } from './errors.ts';

// biome-ignore lint/suspicious/noExplicitAny: the migration tool works on any schema
type AnyDb = Kysely<any>;

/** Any fixed 64-bit number: every cTrip process uses the same one for migrations. */
export const ADVISORY_LOCK_KEY = 7_263_148_901_527_004n;
const LOCK_POLL_MS = 200;

export interface MigrationLockOptions {
  readonly timeoutMs: number;
  /** Called once when another run holds the lock and this one starts waiting. */
  readonly onWait?: () => void;
}

/**
 * Runs `fn` on one connection, serialized against every other migration run.
 *
 * PostgreSQL: a session advisory lock, which the server releases by itself if the process
 * dies. SQLite: each migration's transaction starts with BEGIN IMMEDIATE, which already
 * excludes other writers; the wait for it is raised to the lock timeout for the run, and
 * every step re-reads the version table inside its transaction, so a second runner finds
 * the work done and skips it.
 */
export async function withMigrationLock<T>(
  db: AnyDb,
  options: MigrationLockOptions,
  fn: (conn: AnyDb) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    if (engineOf(conn) === 'sqlite') return withSqliteBusyTimeout(conn, options.timeoutMs, fn);
    // A migration may run longer than the pool's statement timeout allows a query.
    await sql`set statement_timeout = 0`.execute(conn);
    try {
      await acquireAdvisoryLock(conn, options);
      try {
        return await fn(conn);
      } finally {
        await sql`select pg_advisory_unlock(${sql.lit(ADVISORY_LOCK_KEY)})`.execute(conn);
      }
    } finally {
      await sql`reset statement_timeout`.execute(conn);
    }
  });
}

async function acquireAdvisoryLock(conn: AnyDb, options: MigrationLockOptions): Promise<void> {
  const started = Date.now();
  let told = false;
  for (;;) {
    const { rows } = await sql<{ locked: boolean }>`
      select pg_try_advisory_lock(${sql.lit(ADVISORY_LOCK_KEY)}) as locked`.execute(conn);
    if (rows[0]?.locked) return;
    if (Date.now() - started >= options.timeoutMs) {
      throw new MigrationLockTimeoutError(Date.now() - started);
    }
    if (!told) {
      options.onWait?.();
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

async function withSqliteBusyTimeout<T>(
  conn: AnyDb,
  timeoutMs: number,
  fn: (conn: AnyDb) => Promise<T>,
): Promise<T> {
  const { rows } = await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn);
  const previous = rows[0]?.timeout ?? 5000;
  await sql.raw(`pragma busy_timeout = ${Math.trunc(timeoutMs)}`).execute(conn);
  try {
    return await fn(conn);
  } catch (error) {
    // SQLITE_BUSY after the raised timeout: another writer held the file all that time.
    if (isBusy(error)) throw new MigrationLockTimeoutError(timeoutMs);
    throw error;
  } finally {
    await sql.raw(`pragma busy_timeout = ${Math.trunc(previous)}`).execute(conn);
  }
}

/** SQLite gave up waiting for another connection's write lock. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/**
 * One migration's unit of work. On SQLite, foreign keys are switched off around it (the
 * pragma is ignored inside a transaction) so that a table rebuild can drop and recreate a
 * referenced table, and `foreign_key_check` must come back empty before it commits.
 */
export async function runMigrationTransaction(
  conn: AnyDb,
  fn: (trx: AnyDb) => Promise<void>,
): Promise<void> {
  if (engineOf(conn) !== 'sqlite') {
    await conn.transaction().execute(fn);
    return;
  }
  await sql`pragma foreign_keys = off`.execute(conn);
  try {
    await conn.transaction().execute(async (trx) => {
      await fn(trx);
      const { rows } = await sql<{
        table: string;
        parent: string;
      }>`pragma foreign_key_check`.execute(trx);
      if (rows.length > 0) {
        const where = [...new Set(rows.map((r) => `${r.table} → ${r.parent}`))].join(', ');
        throw new Error(`it leaves ${rows.length} rows breaking foreign keys (${where})`);
      }
    });
  } finally {
    await sql`pragma foreign_keys = on`.execute(conn);
  }
}
