import { type Kysely, sql } from 'kysely';
import type { DatabaseHandle } from '../create-database.ts';
import type { Engine } from '../engine.ts';

// biome-ignore lint/suspicious/noExplicitAny: maintenance statements touch no model table
type AnyDb = Kysely<any>;

export interface VacuumDatabaseOptions {
  /** Told of each statement before it runs, e.g. `VACUUM ANALYZE`. */
  readonly onStatement?: (statement: string) => void;
}

export interface VacuumDatabaseReturnType {
  readonly engine: Engine;
  readonly statements: readonly string[];
  /**
   * The database's size in bytes before and after. PostgreSQL's VACUUM makes space reusable
   * but seldom hands it back, so its size rarely drops.
   */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly durationMs: number;
}

/**
 * What each engine runs. PostgreSQL: VACUUM (not FULL, which locks every table) makes dead
 * rows' space reusable and ANALYZE refreshes the planner's statistics. SQLite: VACUUM
 * rewrites the file without its free pages, then `optimize` runs ANALYZE where it helps.
 */
const VACUUM_STATEMENTS: Readonly<Record<Engine, readonly string[]>> = {
  postgres: ['VACUUM ANALYZE'],
  sqlite: ['VACUUM', 'PRAGMA optimize'],
};

/**
 * Reclaims space and refreshes statistics. Runs outside any transaction (VACUUM cannot run
 * in one) and without the pool's statement timeout, which a large database would exceed.
 * SQLite's VACUUM needs the database to itself for its duration.
 */
export async function vacuumDatabase(
  handle: DatabaseHandle,
  options: VacuumDatabaseOptions = {},
): Promise<VacuumDatabaseReturnType> {
  const started = performance.now();
  const statements = VACUUM_STATEMENTS[handle.engine];
  const { bytesBefore, bytesAfter } = await handle.db.connection().execute(async (conn) => {
    const bytesBefore = await readDatabaseBytes(conn, handle.engine);
    await withoutStatementTimeout(conn, handle.engine, async () => {
      for (const statement of statements) {
        options.onStatement?.(statement);
        await sql.raw(statement).execute(conn);
      }
    });
    return { bytesBefore, bytesAfter: await readDatabaseBytes(conn, handle.engine) };
  });
  return {
    engine: handle.engine,
    statements,
    bytesBefore,
    bytesAfter,
    durationMs: Math.round(performance.now() - started),
  };
}

async function withoutStatementTimeout(
  conn: AnyDb,
  engine: Engine,
  fn: () => Promise<void>,
): Promise<void> {
  if (engine !== 'postgres') return fn();
  await sql`set statement_timeout = 0`.execute(conn);
  try {
    await fn();
  } finally {
    await sql`reset statement_timeout`.execute(conn);
  }
}

async function readDatabaseBytes(conn: AnyDb, engine: Engine): Promise<number> {
  if (engine === 'postgres') {
    const { rows } = await sql<{
      bytes: string;
    }>`select pg_database_size(current_database()) as bytes`.execute(conn);
    return Number(rows[0]?.bytes ?? 0);
  }
  const { rows } = await sql<{ bytes: number }>`
    select page_count * page_size as bytes
    from pragma_page_count(), pragma_page_size()`.execute(conn);
  return Number(rows[0]?.bytes ?? 0);
}
