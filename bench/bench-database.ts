import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DatabaseSettings, loadSettings } from '../src/config/index.ts';
import { createDatabase } from '../src/db/create-database.ts';
import type { Engine } from '../src/db/engine.ts';
import { createMigrator, MIGRATIONS_DIR } from '../src/db/migrate/index.ts';

/** The server the benchmark creates its databases on (trust auth, as for the tests). */
export const POSTGRES_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const MIGRATION_LOCK_TIMEOUT_MS = 10_000;

/** A fresh database at head with the benchmark's token in it. */
export interface BenchDatabase {
  readonly engine: Engine;
  readonly settings: DatabaseSettings;
  /** PostgreSQL: the connection string; SQLite: the file. */
  readonly location: string;
  /** Drops the database (PostgreSQL) or deletes its folder (SQLite). */
  drop(): Promise<void>;
}

export interface CreateBenchDatabaseParams {
  readonly engine: Engine;
  /** Tells the databases of one run apart: `project`, `raw`. */
  readonly label: string;
  readonly tokenId: string;
  readonly chain: string;
}

/**
 * Creates an empty database of its own (a new PostgreSQL database, or a SQLite file in a new
 * temporary folder), migrates it to head with the project's migrator and adds the token the
 * payments reference. Nothing here is timed.
 */
export async function createBenchDatabase(
  params: CreateBenchDatabaseParams,
): Promise<BenchDatabase> {
  let url: string;
  let location: string;
  let drop: () => Promise<void>;
  if (params.engine === 'postgres') {
    const name = `ctrip_bench_${params.label}_${randomBytes(4).toString('hex')}`;
    await runAdminQuery(`create database ${name}`);
    url = `postgresql://postgres@127.0.0.1:5432/${name}`;
    location = url;
    drop = () => runAdminQuery(`drop database if exists ${name} with (force)`);
  } else {
    const dir = mkdtempSync(join(tmpdir(), `ctrip-bench-${params.label}-`));
    location = join(dir, 'ctrip.db');
    url = `sqlite:///${location}`;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  }
  const settings = loadSettings({
    env: { ENV: 'testing', DATABASE_URL_DEV: url },
    envFile: null,
  }).database;
  const handle = createDatabase(settings);
  try {
    await createMigrator({
      db: handle.db,
      migrationsDir: MIGRATIONS_DIR,
      lockTimeoutMs: MIGRATION_LOCK_TIMEOUT_MS,
    }).upgrade();
    await handle.db
      .insertInto('tokens')
      .values({ id: params.tokenId, chain: params.chain, symbol: 'USDC', decimals: 6 })
      .execute();
  } catch (error) {
    await handle.close();
    await drop();
    throw error;
  }
  await handle.close();
  return { engine: params.engine, settings, location, drop };
}

async function runAdminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
