import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DatabaseSettings, loadSettings } from '../src/config/index.ts';
import type { Engine } from '../src/db/engine.ts';

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

export async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
