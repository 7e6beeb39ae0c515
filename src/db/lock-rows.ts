import { sql, type Transaction } from 'kysely';
import { engineOf } from './column-sql.ts';
import type { Database } from './models/index.ts';

/**
 * Locks rows by id until the transaction ends, so a read-evaluate-write of them cannot
 * interleave with another process doing the same. PostgreSQL takes row locks (SELECT … FOR
 * UPDATE, in id order so two lockers cannot deadlock); SQLite needs nothing, because every
 * transaction this project starts already holds the database's write lock (BEGIN IMMEDIATE).
 */
export async function lockRows(
  trx: Transaction<Database>,
  table: 'payments',
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0 || engineOf(trx) === 'sqlite') return;
  const sorted = [...new Set(ids)].sort();
  await sql`select id from ${sql.table(table)} where id in (${sql.join(sorted)}) order by id for update`.execute(
    trx,
  );
}
