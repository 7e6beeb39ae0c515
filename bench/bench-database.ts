import type { DatabaseSettings } from '../src/config/index.ts';
import type { Engine } from '../src/db/engine.ts';
import { setupMigratedDatabase } from '../test/database.ts';

/** A fresh database at head with the benchmark's token in it. */
export interface BenchDatabase {
  readonly engine: Engine;
  readonly settings: DatabaseSettings;
  /** PostgreSQL: the connection string; SQLite: the file. */
  readonly location: string;
  /** Drops the database (PostgreSQL) or deletes its file (SQLite). */
  drop(): Promise<void>;
}

export interface CreateBenchDatabaseParams {
  readonly engine: Engine;
  readonly tokenId: string;
  readonly chain: string;
}

/**
 * A database of its own, made and migrated to head as the tests make theirs, holding the token
 * the payments reference. Nothing here is timed.
 */
export async function createBenchDatabase(
  params: CreateBenchDatabaseParams,
): Promise<BenchDatabase> {
  const { database, handle } = await setupMigratedDatabase(params.engine, async ({ db }) => {
    await db
      .insertInto('tokens')
      .values({ id: params.tokenId, chain: params.chain, symbol: 'USDC', decimals: 6 })
      .execute();
  });
  await handle.close();
  const { target } = database.settings;
  return {
    engine: params.engine,
    settings: database.settings,
    location: target.engine === 'sqlite' ? target.filename : database.url,
    drop: () => database.drop(),
  };
}
