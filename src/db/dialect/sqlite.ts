import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type Dialect, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import type { SqliteTarget } from '../../config/database-url.ts';
import { DatabaseUnreachableError } from '../errors.ts';
import { SqliteDriver } from './sqlite-driver.ts';

export interface SqliteOptions {
  readonly busyTimeoutMs: number;
}

/** Opens the file (creating its folder) with the settings cTrip relies on. */
export function openSqlite(target: SqliteTarget, options: SqliteOptions): Database.Database {
  const memory = target.filename === ':memory:';
  let db: Database.Database;
  try {
    if (!memory) mkdirSync(dirname(target.filename), { recursive: true });
    db = new Database(target.filename, { timeout: options.busyTimeoutMs });
  } catch (error) {
    throw new DatabaseUnreachableError(`SQLite file ${target.filename}`, error);
  }
  // WAL lets readers work while one writer writes; NORMAL is durable across application
  // crashes in WAL mode (only an OS crash can lose the last commits).
  if (!memory) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
  return db;
}

export function createSqliteDialect(target: SqliteTarget, options: SqliteOptions): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new SqliteDriver(() => openSqlite(target, options)),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}
