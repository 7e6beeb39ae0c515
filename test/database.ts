import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DatabaseSettings, loadSettings } from '../src/config/index.ts';
import { createDatabase, type DatabaseHandle } from '../src/db/create-database.ts';
import type { Engine } from '../src/db/engine.ts';
import { createMigrator, MIGRATIONS_DIR } from '../src/db/migrate/index.ts';

/** Every database test runs once per engine: `describe.each(engines)(…)`. */
export const engines: readonly Engine[] = ['sqlite', 'postgres'];

/** The server the tests create their databases on (trust auth on this machine and in CI). */
export const POSTGRES_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly engine: Engine;
  /** A URL for DATABASE_URL_DEV, for spawning `ctrip` against this database. */
  readonly url: string;
  readonly settings: DatabaseSettings;
  /** Environment variables that point a `ctrip` process at this database. */
  readonly env: Record<string, string>;
  /** Drops the database (PostgreSQL) or deletes the file (SQLite). */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database of its own: a new PostgreSQL database (created here, dropped by
 * `drop()`) or a SQLite file in a new temporary folder, so suites can run in parallel.
 */
export async function setupDatabase(engine: Engine): Promise<TestDatabase> {
  let url: string;
  let drop: () => Promise<void>;
  if (engine === 'postgres') {
    const name = `ctrip_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(`create database ${name}`);
    url = `postgresql://postgres@127.0.0.1:5432/${name}`;
    drop = () => adminQuery(`drop database if exists ${name} with (force)`);
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'ctrip-test-'));
    url = `sqlite:///${join(dir, 'ctrip.db')}`;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  }
  const env = { ENV: 'testing', DATABASE_URL_DEV: url, LOG_LEVEL: 'warn' };
  const settings = loadSettings({ env, envFile: null }).database;
  return { engine, url, settings, env, drop };
}

/** A database of its own and an open handle, from `openDatabase` or `setupMigratedDatabase`. */
export interface OpenDatabase {
  readonly database: TestDatabase;
  readonly handle: DatabaseHandle;
  /**
   * Closes `handle` and drops the database. A test that swaps in a handle of its own closes
   * that one itself.
   */
  teardown(): Promise<void>;
}

/** A fresh database of its own with an open handle and no migration applied. */
export async function openDatabase(engine: Engine): Promise<OpenDatabase> {
  const database = await setupDatabase(engine);
  const handle = createDatabase(database.settings);
  const teardown = async () => {
    try {
      await handle.close();
    } finally {
      await database.drop();
    }
  };
  return { database, handle, teardown };
}

/**
 * A fresh database of its own migrated to head with the project's migrations, then given
 * the rows `seed` inserts. If any of that fails, what was made is torn down and the error
 * rethrown.
 */
export async function setupMigratedDatabase(
  engine: Engine,
  seed?: (handle: DatabaseHandle) => Promise<unknown>,
): Promise<OpenDatabase> {
  const opened = await openDatabase(engine);
  try {
    await migrateToHead(opened.handle);
    await seed?.(opened.handle);
  } catch (error) {
    await opened.teardown();
    throw error;
  }
  return opened;
}

/** Upgrades the database to the head of the project's migrations. */
export async function migrateToHead(handle: DatabaseHandle): Promise<void> {
  await createMigrator({
    db: handle.db,
    migrationsDir: MIGRATIONS_DIR,
    lockTimeoutMs: 10_000,
  }).upgrade();
}

export async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
